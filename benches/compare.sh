#!/usr/bin/env bash
# Loopback transfer benchmark: ftpsh vs curl vs lftp against a private vsftpd.
#
#   cargo build --release && sudo benches/compare.sh
#
# Needs root (vsftpd binds, chowns the upload dir to the local user), vsftpd, curl, lftp,
# the local user ftpsh-test / ftpsh-test-pw, and hyperfine (falls back to /usr/bin/time).
# Knobs (environment): SIZE_MIB (default 1024), RUNS (5), FTPSH (target/release/ftpsh),
# VSFTPD (/usr/sbin/vsftpd), BENCH_TMPDIR (parent of the temp dir, default /tmp),
# KEEP_JSON=DIR (copy hyperfine's JSON exports there), NO_HYPERFINE=1 (use /usr/bin/time).
# Every server listens on 127.0.0.1 only; every loop is bounded; everything it creates is
# removed on exit.
set -euo pipefail

here=$(cd "$(dirname "$0")/.." && pwd)
SIZE_MIB=${SIZE_MIB:-1024}
RUNS=${RUNS:-5}
FTPSH=${FTPSH:-$here/target/release/ftpsh}
VSFTPD=${VSFTPD:-/usr/sbin/vsftpd}
FTP_USER=ftpsh-test
FTP_PASS=ftpsh-test-pw

die() { echo "compare.sh: $*" >&2; exit 1; }
[ "$(id -u)" = 0 ] || die "run as root (vsftpd needs it)"
[ -x "$FTPSH" ] || die "$FTPSH missing: run 'cargo build --release' first"
[ -x "$VSFTPD" ] || die "vsftpd not found at $VSFTPD"
for tool in curl lftp jq ss /usr/bin/time cmp; do
    command -v "$tool" >/dev/null || die "$tool not installed"
done
id "$FTP_USER" >/dev/null 2>&1 || die "local user $FTP_USER does not exist"
have_hyperfine=0
[ -z "${NO_HYPERFINE:-}" ] && command -v hyperfine >/dev/null && have_hyperfine=1

# --- temp area (same disk for the source and every output) ------------------------------
tmp=$(mktemp -d "${BENCH_TMPDIR:-/tmp}/ftpsh-bench.XXXXXX")
chmod 755 "$tmp"               # vsftpd's unprivileged processes must traverse it
vsftpd_pid=
cleanup() {
    if [ -n "$vsftpd_pid" ]; then
        kill "$vsftpd_pid" 2>/dev/null || true
        wait "$vsftpd_pid" 2>/dev/null || true
    fi
    rm -rf "$tmp"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

need_kib=$(( SIZE_MIB * 1024 * 3 + 65536 ))   # source + download + upload copy
avail_kib=$(df -Pk "$tmp" | awk 'NR==2 {print $4}')
[ "$avail_kib" -gt "$need_kib" ] || die "need $need_kib KiB free in $tmp, have $avail_kib"

anon=$tmp/anon; local_root=$tmp/local; empty=$tmp/empty; out=$tmp/out
mkdir -m 755 "$anon" "$local_root" "$empty" "$out"
chown "$FTP_USER:" "$local_root"
src=$anon/big.bin
up=$local_root/up.bin
dl=$out/big.bin

echo "creating $SIZE_MIB MiB of random data in $src" >&2
head -c "$(( SIZE_MIB * 1024 * 1024 ))" /dev/urandom > "$src"
chmod 644 "$src"
cat "$src" > /dev/null          # into the page cache
size_bytes=$(stat -c %s "$src")

# --- vsftpd on a free port ---------------------------------------------------------------
port_free() { [ -z "$(ss -Htan "sport = :$1")" ]; }
port=
for _ in $(seq 1 50); do
    p=$(( 20000 + RANDOM % 40000 ))
    if port_free "$p" && port_free "$((p + 1))"; then port=$p; break; fi
done
[ -n "$port" ] || die "no free port found"
conf=$tmp/vsftpd.conf
cat > "$conf" <<EOF
listen=YES
listen_ipv6=NO
listen_address=127.0.0.1
listen_port=$port
background=NO
seccomp_sandbox=NO
secure_chroot_dir=$empty
pasv_enable=YES
pasv_min_port=$((port + 1))
pasv_max_port=$((port + 40))
port_enable=YES
connect_from_port_20=NO
anonymous_enable=YES
anon_root=$anon
no_anon_password=YES
anon_upload_enable=NO
anon_mkdir_write_enable=NO
local_enable=YES
write_enable=YES
local_root=$local_root
local_umask=022
chroot_local_user=NO
pam_service_name=vsftpd
dirmessage_enable=NO
use_localtime=NO
idle_session_timeout=120
data_connection_timeout=60
xferlog_enable=NO
ssl_enable=NO
EOF
chmod 600 "$conf"
"$VSFTPD" "$conf" </dev/null >"$tmp/vsftpd.stderr" 2>&1 &
vsftpd_pid=$!
for _ in $(seq 1 50); do
    [ -n "$(ss -Htln "sport = :$port")" ] && break
    kill -0 "$vsftpd_pid" 2>/dev/null || die "vsftpd exited: $(cat "$tmp/vsftpd.stderr")"
    sleep 0.1
done
[ -n "$(ss -Htln "sport = :$port")" ] || die "vsftpd did not start listening on $port"
url=ftp://127.0.0.1:$port
export FTPSH_PASSWORD=$FTP_PASS

# --- the commands ------------------------------------------------------------------------
# Plain FTP everywhere (no AUTH TLS attempt from lftp), passive mode, binary.
lftp_set="set ftp:ssl-allow no; set net:max-retries 1; set net:timeout 30; set cmd:fail-exit yes"
names=(ftpsh curl lftp)
declare -A get_cmd put_cmd
get_cmd[ftpsh]="$FTPSH -q $url -c 'get -o $dl big.bin'"
get_cmd[curl]="curl -sS --max-time 600 -o $dl $url/big.bin"
get_cmd[lftp]="lftp -c '$lftp_set; open $url; get big.bin -o $dl'"
put_cmd[ftpsh]="$FTPSH -q -u $FTP_USER --no-tls $url -c 'put -o up.bin $src'"
put_cmd[curl]="curl -sS --max-time 600 --user $FTP_USER:$FTP_PASS -T $src $url/up.bin"
put_cmd[lftp]="lftp -c '$lftp_set; open -u $FTP_USER,$FTP_PASS $url; put $src -o up.bin'"
# Not timed: remove the previous output (and ftpsh's .part) and flush dirty pages, so every
# run starts from the same state and no run pays for an earlier run's writeback.
get_prep="rm -f $dl $dl.part; sync"
put_prep="rm -f $up; sync"

declare -A rss median mean stddev
# One run per client and direction under /usr/bin/time -v: peak RSS, and the checksum.
check() { # dir name
    local dir=$1 name=$2 cmd prep result
    if [ "$dir" = get ]; then cmd=${get_cmd[$name]}; prep=$get_prep; result=$dl
    else cmd=${put_cmd[$name]}; prep=$put_prep; result=$up; fi
    sh -c "$prep"
    /usr/bin/time -v -o "$tmp/time.txt" sh -c "exec $cmd" \
        || die "$dir with $name failed: $cmd"
    rss[$dir.$name]=$(awk -F': ' '/Maximum resident set size/ {print $2}' "$tmp/time.txt")
    cmp "$src" "$result" || die "$dir with $name: output differs from the source"
    if [ "$name" = ftpsh ] && [ "$dir" = get ] && [ -e "$dl.part" ]; then
        die "ftpsh left $dl.part behind"
    fi
    echo "ok: $dir $name (cmp identical, max RSS ${rss[$dir.$name]} KiB)" >&2
}

# Median of the wall times of N runs with /usr/bin/time (fallback without hyperfine).
time_runs() { # dir name
    local dir=$1 name=$2 cmd prep i times=()
    if [ "$dir" = get ]; then cmd=${get_cmd[$name]}; prep=$get_prep
    else cmd=${put_cmd[$name]}; prep=$put_prep; fi
    for i in $(seq 0 "$RUNS"); do        # run 0 is the warmup
        sh -c "$prep"
        /usr/bin/time -f %e -o "$tmp/wall.txt" sh -c "exec $cmd" || die "$cmd failed"
        [ "$i" -gt 0 ] && times+=("$(cat "$tmp/wall.txt")")
    done
    printf '%s\n' "${times[@]}" | sort -g | awk '{a[NR]=$1; s+=$1; ss+=$1*$1}
        END {m = NR%2 ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2; mu=s/NR;
             v=ss/NR-mu*mu; if (v<0) v=0; printf "%s %s %s\n", m, mu, sqrt(v)}'
}

bench() { # dir
    local dir=$1 name cmd prep args=() json=$tmp/$1.json i=0
    if [ "$dir" = get ]; then prep=$get_prep; else prep=$put_prep; fi
    if [ "$have_hyperfine" = 1 ]; then
        for name in "${names[@]}"; do
            if [ "$dir" = get ]; then cmd=${get_cmd[$name]}; else cmd=${put_cmd[$name]}; fi
            args+=(--command-name "$name" "$cmd")
        done
        hyperfine --warmup 1 --runs "$RUNS" --prepare "$prep" --export-json "$json" \
            --style basic "${args[@]}" >&2
        for name in "${names[@]}"; do
            median[$dir.$name]=$(jq -r ".results[$i].median" "$json")
            mean[$dir.$name]=$(jq -r ".results[$i].mean" "$json")
            stddev[$dir.$name]=$(jq -r ".results[$i].stddev // 0" "$json")
            i=$((i + 1))
        done
        if [ -n "${KEEP_JSON:-}" ]; then mkdir -p "$KEEP_JSON"; cp "$json" "$KEEP_JSON/"; fi
    else
        for name in "${names[@]}"; do
            read -r median[$dir.$name] mean[$dir.$name] stddev[$dir.$name] \
                < <(time_runs "$dir" "$name")
        done
    fi
}

echo "vsftpd on 127.0.0.1:$port, $size_bytes bytes, load average: $(cut -d' ' -f1-3 /proc/loadavg)" >&2
for dir in get put; do
    for name in "${names[@]}"; do check "$dir" "$name"; done
    bench "$dir"
done
sh -c "$get_prep; $put_prep"

# --- report ------------------------------------------------------------------------------
mib=$(awk -v b="$size_bytes" 'BEGIN {printf "%.0f", b / 1048576}')
echo
echo "$mib MiB over loopback, median of $RUNS runs (after 1 warmup)," \
    "$([ "$have_hyperfine" = 1 ] && echo hyperfine || echo /usr/bin/time);" \
    "load average after: $(cut -d' ' -f1-3 /proc/loadavg)"
echo
echo "| direction | client | median (s) | mean ± sd (s) | MiB/s (median) | ftpsh/client time | max RSS (KiB) |"
echo "|---|---|---:|---:|---:|---:|---:|"
for dir in get put; do
    for name in "${names[@]}"; do
        awk -v d="$dir" -v n="$name" -v m="${median[$dir.$name]}" -v mu="${mean[$dir.$name]}" \
            -v sd="${stddev[$dir.$name]}" -v f="${median[$dir.ftpsh]}" -v mib="$mib" \
            -v r="${rss[$dir.$name]}" 'BEGIN {
                ratio = (n == "ftpsh") ? "1.00" : sprintf("%.2f", f / m);
                printf "| %s | %s | %.3f | %.3f ± %.3f | %.0f | %s | %s |\n",
                    d, n, m, mu, sd, mib / m, ratio, r }'
    done
done
