#!/usr/bin/env bash
# Loopback transfer benchmark: ftpsh vs curl, lftp and tnftp against a private vsftpd.
#
#   cargo build --release && sudo benches/compare.sh
#
# Needs root (vsftpd binds, chowns the upload dir to the local user), vsftpd, curl, lftp,
# the local user ftpsh-test / ftpsh-test-pw, tnftp, openssl, and hyperfine (falls back to
# /usr/bin/time).
# Rows (ROWS, default "file zc tls tree pget"): `file` times one big download against curl,
# lftp and tnftp and one upload against curl and lftp; `zc` (interleaved pairs) ftpsh's get
# against tnftp and its put against lftp, and each against ftpsh with FTPSH_NO_ZEROCOPY=1
# (the block loop), with the CPU time of each side; `tls` a get over explicit FTPS against
# lftp and curl (certificates not verified by anyone); `tree` a 10,000-file tree (TREE_FILES, 4 KiB each in 100 directories)
# mirrored down and up against lftp's `mirror --parallel=8`, in interleaved pairs; `pget`
# ftpsh's `pget -n 4` against its own `get` of the big file, interleaved too.
# Knobs (environment): SIZE_MIB (default 1024), RUNS (5), FTPSH (target/release/ftpsh),
# VSFTPD (/usr/sbin/vsftpd), BENCH_TMPDIR (parent of the temp dir, default /tmp),
# KEEP_JSON=DIR (copy hyperfine's JSON exports there), NO_HYPERFINE=1 (use /usr/bin/time).
# Every server listens on 127.0.0.1 only; every loop is bounded; everything it creates is
# removed on exit.
set -euo pipefail

here=$(cd "$(dirname "$0")/.." && pwd)
SIZE_MIB=${SIZE_MIB:-1024}
ROWS=${ROWS:-file zc tls tree pget}
TREE_FILES=${TREE_FILES:-10000}
PARALLEL=${PARALLEL:-8}
has_row() { case " $ROWS " in *" $1 "*) return 0;; *) return 1;; esac; }
RUNS=${RUNS:-5}
FTPSH=${FTPSH:-$here/target/release/ftpsh}
VSFTPD=${VSFTPD:-/usr/sbin/vsftpd}
FTP_USER=ftpsh-test
FTP_PASS=ftpsh-test-pw

die() { echo "compare.sh: $*" >&2; exit 1; }
[ "$(id -u)" = 0 ] || die "run as root (vsftpd needs it)"
[ -x "$FTPSH" ] || die "$FTPSH missing: run 'cargo build --release' first"
[ -x "$VSFTPD" ] || die "vsftpd not found at $VSFTPD"
for tool in curl lftp tnftp openssl jq ss /usr/bin/time cmp; do
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
# A throwaway self-signed certificate: every client runs with verification off.
openssl req -x509 -newkey rsa:2048 -nodes -days 1 -subj /CN=127.0.0.1 \
    -keyout "$tmp/key.pem" -out "$tmp/cert.pem" 2>/dev/null || die "openssl failed"
chmod 600 "$tmp/key.pem"
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
pasv_max_port=$((port + 400))
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
# Explicit FTPS for the tls row; nothing forces it, so the plain rows stay plain.
ssl_enable=YES
rsa_cert_file=$tmp/cert.pem
rsa_private_key_file=$tmp/key.pem
ssl_ciphers=HIGH
allow_anon_ssl=YES
force_local_logins_ssl=NO
force_local_data_ssl=NO
force_anon_logins_ssl=NO
force_anon_data_ssl=NO
require_ssl_reuse=NO
ssl_sslv2=NO
ssl_sslv3=NO
ssl_tlsv1=NO
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
get_names=(ftpsh curl lftp tnftp)
put_names=(ftpsh curl lftp)
declare -A get_cmd put_cmd
get_cmd[ftpsh]="$FTPSH -q $url -c 'get -o $dl big.bin'"
get_cmd[curl]="curl -sS --max-time 600 -o $dl $url/big.bin"
get_cmd[lftp]="lftp -c '$lftp_set; open $url; get big.bin -o $dl'"
# tnftp's auto-fetch (anonymous, binary, passive): the best peer for a download to a file.
get_cmd[tnftp]="tnftp -V -o $dl $url/big.bin"
put_cmd[ftpsh]="$FTPSH -q -u $FTP_USER --no-tls $url -c 'put -o up.bin $src'"
put_cmd[curl]="curl -sS --max-time 600 --user $FTP_USER:$FTP_PASS -T $src $url/up.bin"
put_cmd[lftp]="lftp -c '$lftp_set; open -u $FTP_USER,$FTP_PASS $url; put $src -o up.bin'"
# Not timed: remove the previous output (and ftpsh's .part) and flush dirty pages, so every
# run starts from the same state and no run pays for an earlier run's writeback.
get_prep="rm -f $dl $dl.part; sync"
put_prep="rm -f $up; sync"

declare -A rss median mean stddev
# A binary the linker (or cp) has just written sits in the page cache in large folios, which
# the kernel maps whole on a page fault: its RSS then reads 1 to 1.5 MiB higher than the same
# binary read back from disk. Dropping it from the cache before each RSS run measures what
# an installed binary costs.
uncache_ftpsh() { dd if="$FTPSH" iflag=nocache count=0 status=none 2>/dev/null || true; }
# One run per client and direction under /usr/bin/time -v: peak RSS, and the checksum.
check() { # dir name
    local dir=$1 name=$2 cmd prep result
    if [ "$dir" = get ]; then cmd=${get_cmd[$name]}; prep=$get_prep; result=$dl
    else cmd=${put_cmd[$name]}; prep=$put_prep; result=$up; fi
    sh -c "$prep"
    uncache_ftpsh
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
    local names=("${put_names[@]}")
    [ "$dir" = get ] && names=("${get_names[@]}")
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
if has_row file; then
for name in "${get_names[@]}"; do check get "$name"; done
bench get
for name in "${put_names[@]}"; do check put "$name"; done
bench put
sh -c "$get_prep; $put_prep"
fi

# --- paired rows: trees and pget -----------------------------------------------------------
# Each pair runs the two commands back to back (the order alternating), after an untimed
# prepare step each; the ratio of a pair is ftpsh's time over the peer's. Reported: the
# median of the pair ratios, and the median time of each side.
declare -A pair_ratio pair_a pair_b pair_rss pair_cpu_a pair_cpu_b
# cmd -> "wall user+sys" in seconds on stdout (the CPU time is the client's own: vsftpd's
# processes are not its children).
wall() {
    /usr/bin/time -f '%e %U %S' -o "$tmp/wall.txt" sh -c "exec $1" >/dev/null 2>"$tmp/wall.err" \
        || die "failed: $1: $(tail -3 "$tmp/wall.err")"
    awk '{printf "%s %.2f\n", $1, $2 + $3}' "$tmp/wall.txt"
}
median_of() { sort -g | awk '{a[NR]=$1} END {print NR%2 ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2}'; }
paired() { # row prep a_cmd b_cmd verify
    local row=$1 prep=$2 a=$3 b=$4 verify=$5 i ta tb ca cb ratios=() as=() bs=() cas=() cbs=()
    sh -c "$prep"
    uncache_ftpsh
    /usr/bin/time -v -o "$tmp/time.txt" sh -c "exec $a" >/dev/null 2>&1 || die "$row: $a failed"
    pair_rss[$row]=$(awk -F': ' '/Maximum resident set size/ {print $2}' "$tmp/time.txt")
    sh -c "$verify" || die "$row: ftpsh's result differs from the source"
    sh -c "$prep"; sh -c "exec $b" >/dev/null 2>&1 || die "$row: $b failed"
    sh -c "$verify" || die "$row: the peer's result differs from the source"
    for i in $(seq 1 "$RUNS"); do
        if [ $((i % 2)) = 1 ]; then
            sh -c "$prep"; read -r ta ca < <(wall "$a"); sh -c "$prep"; read -r tb cb < <(wall "$b")
        else
            sh -c "$prep"; read -r tb cb < <(wall "$b"); sh -c "$prep"; read -r ta ca < <(wall "$a")
        fi
        echo "$row pair $i: ftpsh $ta s ($ca s CPU), peer $tb s ($cb s CPU), load $(cut -d' ' -f1 /proc/loadavg)" >&2
        as+=("$ta"); bs+=("$tb"); cas+=("$ca"); cbs+=("$cb")
        ratios+=("$(awk -v x="$ta" -v y="$tb" 'BEGIN {printf "%.3f", x / y}')")
    done
    pair_ratio[$row]=$(printf '%s\n' "${ratios[@]}" | median_of)
    pair_a[$row]=$(printf '%s\n' "${as[@]}" | median_of)
    pair_b[$row]=$(printf '%s\n' "${bs[@]}" | median_of)
    pair_cpu_a[$row]=$(printf '%s\n' "${cas[@]}" | median_of)
    pair_cpu_b[$row]=$(printf '%s\n' "${cbs[@]}" | median_of)
    sh -c "$prep"
}

get_prep1="rm -f $dl $dl.part; sync"
put_prep1="rm -f $up; sync"
same_dl="cmp -s $src $dl"
same_up="cmp -s $src $up"
if has_row zc; then
    paired get-tnftp "$get_prep1" "${get_cmd[ftpsh]}" "${get_cmd[tnftp]}" "$same_dl"
    paired get-blocks "$get_prep1" "${get_cmd[ftpsh]}" "env FTPSH_NO_ZEROCOPY=1 ${get_cmd[ftpsh]}" "$same_dl"
    paired put-lftp "$put_prep1" "${put_cmd[ftpsh]}" "${put_cmd[lftp]}" "$same_up"
    paired put-blocks "$put_prep1" "${put_cmd[ftpsh]}" "env FTPSH_NO_ZEROCOPY=1 ${put_cmd[ftpsh]}" "$same_up"
fi
if has_row tls; then
    # Explicit FTPS (AUTH TLS, PROT P) for the control and data connections, anonymous.
    # lftp uses no TLS for an anonymous login unless ftp:ssl-allow-anonymous is set (then
    # ssl-force and ssl-protect-data apply): without it this row timed plain FTP for lftp.
    tls_ftpsh="$FTPSH -q --tls --insecure $url -c 'get -o $dl big.bin'"
    tls_lftp="lftp -c 'set ftp:ssl-force yes; set ftp:ssl-allow-anonymous yes; set ftp:ssl-protect-data yes; set ssl:verify-certificate no; set net:max-retries 1; set cmd:fail-exit yes; open $url; get big.bin -o $dl'"
    tls_curl="curl -sS --max-time 600 --ssl-reqd -k -o $dl $url/big.bin"
    paired tls-get-lftp "$get_prep1" "$tls_ftpsh" "$tls_lftp" "$same_dl"
    paired tls-get-curl "$get_prep1" "$tls_ftpsh" "$tls_curl" "$same_dl"
fi

if has_row tree; then
    tree_src=$anon/tree; tree_up=$tmp/tree-src; tree_out=$out/tree
    echo "creating $TREE_FILES files of 4 KiB in 100 directories" >&2
    python3 - "$tree_src" "$TREE_FILES" <<'PY'
import os, sys
root, n = sys.argv[1], int(sys.argv[2])
for i in range(n):
    d = os.path.join(root, "d%03d" % (i % 100))
    os.makedirs(d, exist_ok=True)
    with open(os.path.join(d, "f%05d.bin" % i), "wb") as f:
        f.write(os.urandom(4096))
PY
    chmod -R a+rX "$tree_src"
    cp -r "$tree_src" "$tree_up"
    up_tree=$local_root/tree
    paired tree-get "rm -rf $tree_out; sync" \
        "$FTPSH -q --progress none $url -c 'mirror -P $PARALLEL tree $tree_out'" \
        "lftp -c '$lftp_set; open $url; mirror --parallel=$PARALLEL tree $tree_out'" \
        "diff -r $tree_src $tree_out >/dev/null"
    paired tree-put "rm -rf $up_tree; sync" \
        "$FTPSH -q --progress none -u $FTP_USER --no-tls $url -c 'mirror -R -P $PARALLEL $tree_up tree'" \
        "lftp -c '$lftp_set; open -u $FTP_USER,$FTP_PASS $url; mirror -R --parallel=$PARALLEL $tree_up tree'" \
        "diff -r $tree_up $up_tree >/dev/null"
    # A rerun on an unchanged tree: ftpsh's plan against lftp's.
    sh -c "exec $FTPSH -q $url -c 'mirror -P $PARALLEL tree $tree_out'" >/dev/null 2>&1
    paired tree-rerun ":" \
        "$FTPSH -q --progress none $url -c 'mirror -P $PARALLEL tree $tree_out'" \
        "lftp -c '$lftp_set; open $url; mirror --parallel=$PARALLEL tree $tree_out'" \
        "diff -r $tree_src $tree_out >/dev/null"
fi

if has_row pget; then
    paired pget "rm -f $dl $dl.part $dl.part.segments; sync" \
        "$FTPSH -q --progress none $url -c 'pget -n 4 -o $dl big.bin'" \
        "$FTPSH -q --progress none $url -c 'get -o $dl big.bin'" \
        "cmp -s $src $dl"
fi

# --- report ------------------------------------------------------------------------------
mib=$(awk -v b="$size_bytes" 'BEGIN {printf "%.0f", b / 1048576}')
if [ ${#pair_ratio[@]} -gt 0 ]; then
    echo
    echo "Paired rows: $RUNS interleaved pairs each; load average after: $(cut -d' ' -f1-3 /proc/loadavg)"
    echo
    echo "| row | ftpsh command | peer | ftpsh median (s) | peer median (s) | median of pair ratios ftpsh/peer | ftpsh CPU user+sys (s) | peer CPU user+sys (s) | ftpsh max RSS (KiB) |"
    echo "|---|---|---|---:|---:|---:|---:|---:|---:|"
    for row in get-tnftp get-blocks put-lftp put-blocks tls-get-lftp tls-get-curl tree-get tree-put tree-rerun pget; do
        [ -n "${pair_ratio[$row]:-}" ] || continue
        case $row in
            tree-get) what="mirror -P $PARALLEL ($TREE_FILES files)"; peer="lftp mirror --parallel=$PARALLEL";;
            tree-put) what="mirror -R -P $PARALLEL"; peer="lftp mirror -R --parallel=$PARALLEL";;
            tree-rerun) what="mirror -P $PARALLEL, nothing changed"; peer="lftp mirror, nothing changed";;
            pget) what="pget -n 4 ($mib MiB)"; peer="ftpsh get";;
            get-tnftp) what="get ($mib MiB, splice)"; peer="tnftp";;
            get-blocks) what="get ($mib MiB, splice)"; peer="ftpsh get, FTPSH_NO_ZEROCOPY=1";;
            put-lftp) what="put ($mib MiB, sendfile)"; peer="lftp put";;
            put-blocks) what="put ($mib MiB, sendfile)"; peer="ftpsh put, FTPSH_NO_ZEROCOPY=1";;
            tls-get-lftp) what="get over FTPS ($mib MiB)"; peer="lftp (FTPS)";;
            tls-get-curl) what="get over FTPS ($mib MiB)"; peer="curl --ssl-reqd";;
        esac
        echo "| $row | $what | $peer | ${pair_a[$row]} | ${pair_b[$row]} | ${pair_ratio[$row]} | ${pair_cpu_a[$row]} | ${pair_cpu_b[$row]} | ${pair_rss[$row]} |"
    done
fi
has_row file || exit 0
echo
echo "$mib MiB over loopback, median of $RUNS runs (after 1 warmup)," \
    "$([ "$have_hyperfine" = 1 ] && echo hyperfine || echo /usr/bin/time);" \
    "load average after: $(cut -d' ' -f1-3 /proc/loadavg)"
echo
echo "| direction | client | median (s) | mean ± sd (s) | MiB/s (median) | ftpsh/client time | max RSS (KiB) |"
echo "|---|---|---:|---:|---:|---:|---:|"
for dir in get put; do
    names=("${put_names[@]}")
    [ "$dir" = get ] && names=("${get_names[@]}")
    for name in "${names[@]}"; do
        awk -v d="$dir" -v n="$name" -v m="${median[$dir.$name]}" -v mu="${mean[$dir.$name]}" \
            -v sd="${stddev[$dir.$name]}" -v f="${median[$dir.ftpsh]}" -v mib="$mib" \
            -v r="${rss[$dir.$name]}" 'BEGIN {
                ratio = (n == "ftpsh") ? "1.00" : sprintf("%.2f", f / m);
                printf "| %s | %s | %.3f | %.3f ± %.3f | %.0f | %s | %s |\n",
                    d, n, m, mu, sd, mib / m, ratio, r }'
    done
done
