
use builtin;
use str;

set edit:completion:arg-completer[ftpsh] = {|@words|
    fn spaces {|n|
        builtin:repeat $n ' ' | str:join ''
    }
    fn cand {|text desc|
        edit:complex-candidate $text &display=$text' '(spaces (- 14 (wcswidth $text)))$desc
    }
    var command = 'ftpsh'
    for word $words[1..-1] {
        if (str:has-prefix $word '-') {
            break
        }
        set command = $command';'$word
    }
    var completions = [
        &'ftpsh'= {
            cand -c 'Run these commands (separated by '';''), then exit'
            cand --command 'Run these commands (separated by '';''), then exit'
            cand -f 'Run the commands in FILE (one per line, ''#'' comments), then exit'
            cand --file 'Run the commands in FILE (one per line, ''#'' comments), then exit'
            cand -u 'Log in as USER (password from the URL, FTPSH_PASSWORD, ~/.netrc or a prompt)'
            cand --user 'Log in as USER (password from the URL, FTPSH_PASSWORD, ~/.netrc or a prompt)'
            cand --port 'Server port (default 21, or 990 for ftps://)'
            cand --netrc-file 'Read credentials from FILE instead of ~/.netrc'
            cand --ca-file 'Trust the certificate(s) in this PEM file as well as the system roots'
            cand --pin 'Accept only the TLS certificate with this SHA-256 fingerprint (sha256:HEX; several comma-separated), whether or not a CA vouches for it'
            cand --timeout 'Connect and idle timeout in seconds (default 30, or the `timeout` setting)'
            cand --retries 'Retries of a command or file that failed on a transient fault (421, 425, 426, 450, 451, a lost connection, a timeout), waiting 1 s, then twice as long each time, up to 30 s (default 3, or the `retries` setting; 0: never retry)'
            cand --retry-max-time 'Do not retry a command once this many seconds have passed since it started (default: no limit but --retries)'
            cand --stall-timeout 'Seconds without a byte on a data connection before a transfer or listing counts as stalled, and is retried (default 60, or the `stall_timeout` setting)'
            cand --progress 'How transfers show progress on stderr (an explicit MODE also works with -q; default auto, or the `progress` setting)'
            cand --config 'Read settings, bookmarks and aliases from FILE instead of config.toml in the config directory'
            cand -k 'In -c/-f/stdin mode, run the remaining commands after a failure'
            cand --keep-going 'In -c/-f/stdin mode, run the remaining commands after a failure'
            cand --tls 'Require explicit TLS (AUTH TLS); fail if the server does not offer it'
            cand --no-tls 'Never use TLS (default: TLS for non-anonymous logins when offered)'
            cand --insecure 'Do not verify TLS certificates (dangerous: anyone on the path can read your password)'
            cand --active 'Use active mode (PORT/EPRT) instead of passive (EPSV, then PASV)'
            cand -q 'Print only errors and data (no banner, no transfer summaries, no progress unless --progress names a mode)'
            cand --quiet 'Print only errors and data (no banner, no transfer summaries, no progress unless --progress names a mode)'
            cand -v 'Trace the protocol on stderr (passwords are masked)'
            cand --verbose 'Trace the protocol on stderr (passwords are masked)'
            cand --json 'Write every result as one JSON object per line on stdout (NDJSON; see "For programs" in the README); errors are objects too, and still a line on stderr'
            cand --no-config 'Read no config file (settings, bookmarks and aliases are the defaults)'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
            cand -V 'Print version'
            cand --version 'Print version'
            cand serve 'Serve DIR over FTP: 127.0.0.1:2121, anonymous and read-only unless told otherwise'
            cand demo 'Try ftpsh offline: serve a sample tree on 127.0.0.1 and open the shell on it'
            cand config 'Show, edit or check the config file (settings, bookmarks, aliases, default site)'
            cand help 'Print this message or the help of the given subcommand(s)'
        }
        &'ftpsh;serve'= {
            cand --bind 'Listen on ADDR (default 127.0.0.1); another address warns when anyone could log in or read the traffic'
            cand --port 'Listen on port N (0: any free port; the first stdout line names it)'
            cand -u 'Require a login as NAME (password from FTPSH_PASSWORD or a prompt; default: anonymous)'
            cand --user 'Require a login as NAME (password from FTPSH_PASSWORD or a prompt; default: anonymous)'
            cand --tls-cert 'Explicit FTPS (AUTH TLS) with this certificate chain; plain FTP is then refused'
            cand --tls-key 'The private key of --tls-cert'
            cand --passive-ports 'Passive data ports LO-HI (default: any free port)'
            cand --idle-timeout 'Close a control connection idle for SECS seconds'
            cand --config 'Read settings, bookmarks and aliases from FILE instead of config.toml in the config directory'
            cand --write 'Allow uploads, mkdir, rename and delete (default: read-only)'
            cand --tls-self-signed 'Explicit FTPS with a fresh self-signed certificate; prints its fingerprint (for a client''s --pin) and where its PEM file is (for --ca-file)'
            cand -q 'Print only errors and data (no banner, no transfer summaries, no progress unless --progress names a mode)'
            cand --quiet 'Print only errors and data (no banner, no transfer summaries, no progress unless --progress names a mode)'
            cand -v 'Trace the protocol on stderr (passwords are masked)'
            cand --verbose 'Trace the protocol on stderr (passwords are masked)'
            cand --json 'Write every result as one JSON object per line on stdout (NDJSON; see "For programs" in the README); errors are objects too, and still a line on stderr'
            cand --no-config 'Read no config file (settings, bookmarks and aliases are the defaults)'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
        }
        &'ftpsh;demo'= {
            cand -c 'Run these commands (separated by '';''), then exit'
            cand --command 'Run these commands (separated by '';''), then exit'
            cand -f 'Run the commands in FILE (one per line, ''#'' comments), then exit'
            cand --file 'Run the commands in FILE (one per line, ''#'' comments), then exit'
            cand --config 'Read settings, bookmarks and aliases from FILE instead of config.toml in the config directory'
            cand -k 'In -c/-f/stdin mode, run the remaining commands after a failure'
            cand --keep-going 'In -c/-f/stdin mode, run the remaining commands after a failure'
            cand -q 'Print only errors and data (no banner, no transfer summaries, no progress unless --progress names a mode)'
            cand --quiet 'Print only errors and data (no banner, no transfer summaries, no progress unless --progress names a mode)'
            cand -v 'Trace the protocol on stderr (passwords are masked)'
            cand --verbose 'Trace the protocol on stderr (passwords are masked)'
            cand --json 'Write every result as one JSON object per line on stdout (NDJSON; see "For programs" in the README); errors are objects too, and still a line on stderr'
            cand --no-config 'Read no config file (settings, bookmarks and aliases are the defaults)'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
        }
        &'ftpsh;config'= {
            cand --config 'Read settings, bookmarks and aliases from FILE instead of config.toml in the config directory'
            cand -q 'Print only errors and data (no banner, no transfer summaries, no progress unless --progress names a mode)'
            cand --quiet 'Print only errors and data (no banner, no transfer summaries, no progress unless --progress names a mode)'
            cand -v 'Trace the protocol on stderr (passwords are masked)'
            cand --verbose 'Trace the protocol on stderr (passwords are masked)'
            cand --json 'Write every result as one JSON object per line on stdout (NDJSON; see "For programs" in the README); errors are objects too, and still a line on stderr'
            cand --no-config 'Read no config file (settings, bookmarks and aliases are the defaults)'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
            cand path 'Print the config file''s path (whether or not it exists)'
            cand edit 'Open the config file in $VISUAL or $EDITOR (a commented template when it does not exist yet), then check it'
            cand check 'Check the config file: exit 0 when it is good, else one line saying where it is wrong and exit 2'
            cand help 'Print this message or the help of the given subcommand(s)'
        }
        &'ftpsh;config;path'= {
            cand --config 'Read settings, bookmarks and aliases from FILE instead of config.toml in the config directory'
            cand -q 'Print only errors and data (no banner, no transfer summaries, no progress unless --progress names a mode)'
            cand --quiet 'Print only errors and data (no banner, no transfer summaries, no progress unless --progress names a mode)'
            cand -v 'Trace the protocol on stderr (passwords are masked)'
            cand --verbose 'Trace the protocol on stderr (passwords are masked)'
            cand --json 'Write every result as one JSON object per line on stdout (NDJSON; see "For programs" in the README); errors are objects too, and still a line on stderr'
            cand --no-config 'Read no config file (settings, bookmarks and aliases are the defaults)'
            cand -h 'Print help'
            cand --help 'Print help'
        }
        &'ftpsh;config;edit'= {
            cand --config 'Read settings, bookmarks and aliases from FILE instead of config.toml in the config directory'
            cand -q 'Print only errors and data (no banner, no transfer summaries, no progress unless --progress names a mode)'
            cand --quiet 'Print only errors and data (no banner, no transfer summaries, no progress unless --progress names a mode)'
            cand -v 'Trace the protocol on stderr (passwords are masked)'
            cand --verbose 'Trace the protocol on stderr (passwords are masked)'
            cand --json 'Write every result as one JSON object per line on stdout (NDJSON; see "For programs" in the README); errors are objects too, and still a line on stderr'
            cand --no-config 'Read no config file (settings, bookmarks and aliases are the defaults)'
            cand -h 'Print help'
            cand --help 'Print help'
        }
        &'ftpsh;config;check'= {
            cand --config 'Read settings, bookmarks and aliases from FILE instead of config.toml in the config directory'
            cand -q 'Print only errors and data (no banner, no transfer summaries, no progress unless --progress names a mode)'
            cand --quiet 'Print only errors and data (no banner, no transfer summaries, no progress unless --progress names a mode)'
            cand -v 'Trace the protocol on stderr (passwords are masked)'
            cand --verbose 'Trace the protocol on stderr (passwords are masked)'
            cand --json 'Write every result as one JSON object per line on stdout (NDJSON; see "For programs" in the README); errors are objects too, and still a line on stderr'
            cand --no-config 'Read no config file (settings, bookmarks and aliases are the defaults)'
            cand -h 'Print help'
            cand --help 'Print help'
        }
        &'ftpsh;config;help'= {
            cand path 'Print the config file''s path (whether or not it exists)'
            cand edit 'Open the config file in $VISUAL or $EDITOR (a commented template when it does not exist yet), then check it'
            cand check 'Check the config file: exit 0 when it is good, else one line saying where it is wrong and exit 2'
            cand help 'Print this message or the help of the given subcommand(s)'
        }
        &'ftpsh;config;help;path'= {
        }
        &'ftpsh;config;help;edit'= {
        }
        &'ftpsh;config;help;check'= {
        }
        &'ftpsh;config;help;help'= {
        }
        &'ftpsh;help'= {
            cand serve 'Serve DIR over FTP: 127.0.0.1:2121, anonymous and read-only unless told otherwise'
            cand demo 'Try ftpsh offline: serve a sample tree on 127.0.0.1 and open the shell on it'
            cand config 'Show, edit or check the config file (settings, bookmarks, aliases, default site)'
            cand help 'Print this message or the help of the given subcommand(s)'
        }
        &'ftpsh;help;serve'= {
        }
        &'ftpsh;help;demo'= {
        }
        &'ftpsh;help;config'= {
            cand path 'Print the config file''s path (whether or not it exists)'
            cand edit 'Open the config file in $VISUAL or $EDITOR (a commented template when it does not exist yet), then check it'
            cand check 'Check the config file: exit 0 when it is good, else one line saying where it is wrong and exit 2'
        }
        &'ftpsh;help;config;path'= {
        }
        &'ftpsh;help;config;edit'= {
        }
        &'ftpsh;help;config;check'= {
        }
        &'ftpsh;help;help'= {
        }
    ]
    $completions[$command]
}
