# Print an optspec for argparse to handle cmd's options that are independent of any subcommand.
function __fish_ftpsh_global_optspecs
    string join \n c/command= f/file= k/keep-going u/user= port= netrc-file= tls no-tls ca-file= insecure pin= active timeout= retries= retry-max-time= stall-timeout= q/quiet progress= v/verbose json config= no-config h/help V/version
end

function __fish_ftpsh_needs_command
    # Figure out if the current invocation already has a command.
    set -l cmd (commandline -opc)
    set -e cmd[1]
    argparse -s (__fish_ftpsh_global_optspecs) -- $cmd 2>/dev/null
    or return
    if set -q argv[1]
        # Also print the command, so this can be used to figure out what it is.
        echo $argv[1]
        return 1
    end
    return 0
end

function __fish_ftpsh_using_subcommand
    set -l cmd (__fish_ftpsh_needs_command)
    test -z "$cmd"
    and return 1
    contains -- $cmd[1] $argv
end

complete -c ftpsh -n "__fish_ftpsh_needs_command" -s c -l command -d 'Run these commands (separated by \';\'), then exit' -r
complete -c ftpsh -n "__fish_ftpsh_needs_command" -s f -l file -d 'Run the commands in FILE (one per line, \'#\' comments), then exit' -r -F
complete -c ftpsh -n "__fish_ftpsh_needs_command" -s u -l user -d 'Log in as USER (password from the URL, FTPSH_PASSWORD, ~/.netrc or a prompt)' -r
complete -c ftpsh -n "__fish_ftpsh_needs_command" -l port -d 'Server port (default 21, or 990 for ftps://)' -r
complete -c ftpsh -n "__fish_ftpsh_needs_command" -l netrc-file -d 'Read credentials from FILE instead of ~/.netrc' -r -F
complete -c ftpsh -n "__fish_ftpsh_needs_command" -l ca-file -d 'Trust the certificate(s) in this PEM file as well as the system roots' -r -F
complete -c ftpsh -n "__fish_ftpsh_needs_command" -l pin -d 'Accept only the TLS certificate with this SHA-256 fingerprint (sha256:HEX; several comma-separated), whether or not a CA vouches for it' -r
complete -c ftpsh -n "__fish_ftpsh_needs_command" -l timeout -d 'Connect and idle timeout in seconds (default 30, or the `timeout` setting)' -r
complete -c ftpsh -n "__fish_ftpsh_needs_command" -l retries -d 'Retries of a command or file that failed on a transient fault (421, 425, 426, 450, 451, a lost connection, a timeout), waiting 1 s, then twice as long each time, up to 30 s (default 3, or the `retries` setting; 0: never retry)' -r
complete -c ftpsh -n "__fish_ftpsh_needs_command" -l retry-max-time -d 'Do not retry a command once this many seconds have passed since it started (default: no limit but --retries)' -r
complete -c ftpsh -n "__fish_ftpsh_needs_command" -l stall-timeout -d 'Seconds without a byte on a data connection before a transfer or listing counts as stalled, and is retried (default 60, or the `stall_timeout` setting)' -r
complete -c ftpsh -n "__fish_ftpsh_needs_command" -l progress -d 'How transfers show progress on stderr (an explicit MODE also works with -q; default auto, or the `progress` setting)' -r -f -a "auto\t'A bar when stderr is a terminal, plain lines when it is not; nothing with -q'
bar\t'A bar redrawn in place (only on a terminal)'
plain\t'A line at most every 5 s, for logs'
json\t'NDJSON events (start, progress, done, error), for programs'
none\t'Nothing'"
complete -c ftpsh -n "__fish_ftpsh_needs_command" -l config -d 'Read settings, bookmarks and aliases from FILE instead of config.toml in the config directory' -r -F
complete -c ftpsh -n "__fish_ftpsh_needs_command" -s k -l keep-going -d 'In -c/-f/stdin mode, run the remaining commands after a failure'
complete -c ftpsh -n "__fish_ftpsh_needs_command" -l tls -d 'Require explicit TLS (AUTH TLS); fail if the server does not offer it'
complete -c ftpsh -n "__fish_ftpsh_needs_command" -l no-tls -d 'Never use TLS (default: TLS for non-anonymous logins when offered)'
complete -c ftpsh -n "__fish_ftpsh_needs_command" -l insecure -d 'Do not verify TLS certificates (dangerous: anyone on the path can read your password)'
complete -c ftpsh -n "__fish_ftpsh_needs_command" -l active -d 'Use active mode (PORT/EPRT) instead of passive (EPSV, then PASV)'
complete -c ftpsh -n "__fish_ftpsh_needs_command" -s q -l quiet -d 'Print only errors and data (no banner, no transfer summaries, no progress unless --progress names a mode)'
complete -c ftpsh -n "__fish_ftpsh_needs_command" -s v -l verbose -d 'Trace the protocol on stderr (passwords are masked)'
complete -c ftpsh -n "__fish_ftpsh_needs_command" -l json -d 'Write every result as one JSON object per line on stdout (NDJSON; see "For programs" in the README); errors are objects too, and still a line on stderr'
complete -c ftpsh -n "__fish_ftpsh_needs_command" -l no-config -d 'Read no config file (settings, bookmarks and aliases are the defaults)'
complete -c ftpsh -n "__fish_ftpsh_needs_command" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c ftpsh -n "__fish_ftpsh_needs_command" -s V -l version -d 'Print version'
complete -c ftpsh -n "__fish_ftpsh_needs_command" -a "serve" -d 'Serve DIR over FTP: 127.0.0.1:2121, anonymous and read-only unless told otherwise'
complete -c ftpsh -n "__fish_ftpsh_needs_command" -a "demo" -d 'Try ftpsh offline: serve a sample tree on 127.0.0.1 and open the shell on it'
complete -c ftpsh -n "__fish_ftpsh_needs_command" -a "config" -d 'Show, edit or check the config file (settings, bookmarks, aliases, default site)'
complete -c ftpsh -n "__fish_ftpsh_needs_command" -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c ftpsh -n "__fish_ftpsh_using_subcommand serve" -l bind -d 'Listen on ADDR (default 127.0.0.1); another address warns when anyone could log in or read the traffic' -r
complete -c ftpsh -n "__fish_ftpsh_using_subcommand serve" -l port -d 'Listen on port N (0: any free port; the first stdout line names it)' -r
complete -c ftpsh -n "__fish_ftpsh_using_subcommand serve" -s u -l user -d 'Require a login as NAME (password from FTPSH_PASSWORD or a prompt; default: anonymous)' -r
complete -c ftpsh -n "__fish_ftpsh_using_subcommand serve" -l tls-cert -d 'Explicit FTPS (AUTH TLS) with this certificate chain; plain FTP is then refused' -r -F
complete -c ftpsh -n "__fish_ftpsh_using_subcommand serve" -l tls-key -d 'The private key of --tls-cert' -r -F
complete -c ftpsh -n "__fish_ftpsh_using_subcommand serve" -l passive-ports -d 'Passive data ports LO-HI (default: any free port)' -r
complete -c ftpsh -n "__fish_ftpsh_using_subcommand serve" -l idle-timeout -d 'Close a control connection idle for SECS seconds' -r
complete -c ftpsh -n "__fish_ftpsh_using_subcommand serve" -l config -d 'Read settings, bookmarks and aliases from FILE instead of config.toml in the config directory' -r -F
complete -c ftpsh -n "__fish_ftpsh_using_subcommand serve" -l write -d 'Allow uploads, mkdir, rename and delete (default: read-only)'
complete -c ftpsh -n "__fish_ftpsh_using_subcommand serve" -l tls-self-signed -d 'Explicit FTPS with a fresh self-signed certificate; prints its fingerprint (for a client\'s --pin) and where its PEM file is (for --ca-file)'
complete -c ftpsh -n "__fish_ftpsh_using_subcommand serve" -s q -l quiet -d 'Print only errors and data (no banner, no transfer summaries, no progress unless --progress names a mode)'
complete -c ftpsh -n "__fish_ftpsh_using_subcommand serve" -s v -l verbose -d 'Trace the protocol on stderr (passwords are masked)'
complete -c ftpsh -n "__fish_ftpsh_using_subcommand serve" -l json -d 'Write every result as one JSON object per line on stdout (NDJSON; see "For programs" in the README); errors are objects too, and still a line on stderr'
complete -c ftpsh -n "__fish_ftpsh_using_subcommand serve" -l no-config -d 'Read no config file (settings, bookmarks and aliases are the defaults)'
complete -c ftpsh -n "__fish_ftpsh_using_subcommand serve" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c ftpsh -n "__fish_ftpsh_using_subcommand demo" -s c -l command -d 'Run these commands (separated by \';\'), then exit' -r
complete -c ftpsh -n "__fish_ftpsh_using_subcommand demo" -s f -l file -d 'Run the commands in FILE (one per line, \'#\' comments), then exit' -r -F
complete -c ftpsh -n "__fish_ftpsh_using_subcommand demo" -l config -d 'Read settings, bookmarks and aliases from FILE instead of config.toml in the config directory' -r -F
complete -c ftpsh -n "__fish_ftpsh_using_subcommand demo" -s k -l keep-going -d 'In -c/-f/stdin mode, run the remaining commands after a failure'
complete -c ftpsh -n "__fish_ftpsh_using_subcommand demo" -s q -l quiet -d 'Print only errors and data (no banner, no transfer summaries, no progress unless --progress names a mode)'
complete -c ftpsh -n "__fish_ftpsh_using_subcommand demo" -s v -l verbose -d 'Trace the protocol on stderr (passwords are masked)'
complete -c ftpsh -n "__fish_ftpsh_using_subcommand demo" -l json -d 'Write every result as one JSON object per line on stdout (NDJSON; see "For programs" in the README); errors are objects too, and still a line on stderr'
complete -c ftpsh -n "__fish_ftpsh_using_subcommand demo" -l no-config -d 'Read no config file (settings, bookmarks and aliases are the defaults)'
complete -c ftpsh -n "__fish_ftpsh_using_subcommand demo" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c ftpsh -n "__fish_ftpsh_using_subcommand config; and not __fish_seen_subcommand_from path edit check help" -l config -d 'Read settings, bookmarks and aliases from FILE instead of config.toml in the config directory' -r -F
complete -c ftpsh -n "__fish_ftpsh_using_subcommand config; and not __fish_seen_subcommand_from path edit check help" -s q -l quiet -d 'Print only errors and data (no banner, no transfer summaries, no progress unless --progress names a mode)'
complete -c ftpsh -n "__fish_ftpsh_using_subcommand config; and not __fish_seen_subcommand_from path edit check help" -s v -l verbose -d 'Trace the protocol on stderr (passwords are masked)'
complete -c ftpsh -n "__fish_ftpsh_using_subcommand config; and not __fish_seen_subcommand_from path edit check help" -l json -d 'Write every result as one JSON object per line on stdout (NDJSON; see "For programs" in the README); errors are objects too, and still a line on stderr'
complete -c ftpsh -n "__fish_ftpsh_using_subcommand config; and not __fish_seen_subcommand_from path edit check help" -l no-config -d 'Read no config file (settings, bookmarks and aliases are the defaults)'
complete -c ftpsh -n "__fish_ftpsh_using_subcommand config; and not __fish_seen_subcommand_from path edit check help" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c ftpsh -n "__fish_ftpsh_using_subcommand config; and not __fish_seen_subcommand_from path edit check help" -f -a "path" -d 'Print the config file\'s path (whether or not it exists)'
complete -c ftpsh -n "__fish_ftpsh_using_subcommand config; and not __fish_seen_subcommand_from path edit check help" -f -a "edit" -d 'Open the config file in $VISUAL or $EDITOR (a commented template when it does not exist yet), then check it'
complete -c ftpsh -n "__fish_ftpsh_using_subcommand config; and not __fish_seen_subcommand_from path edit check help" -f -a "check" -d 'Check the config file: exit 0 when it is good, else one line saying where it is wrong and exit 2'
complete -c ftpsh -n "__fish_ftpsh_using_subcommand config; and not __fish_seen_subcommand_from path edit check help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c ftpsh -n "__fish_ftpsh_using_subcommand config; and __fish_seen_subcommand_from path" -l config -d 'Read settings, bookmarks and aliases from FILE instead of config.toml in the config directory' -r -F
complete -c ftpsh -n "__fish_ftpsh_using_subcommand config; and __fish_seen_subcommand_from path" -s q -l quiet -d 'Print only errors and data (no banner, no transfer summaries, no progress unless --progress names a mode)'
complete -c ftpsh -n "__fish_ftpsh_using_subcommand config; and __fish_seen_subcommand_from path" -s v -l verbose -d 'Trace the protocol on stderr (passwords are masked)'
complete -c ftpsh -n "__fish_ftpsh_using_subcommand config; and __fish_seen_subcommand_from path" -l json -d 'Write every result as one JSON object per line on stdout (NDJSON; see "For programs" in the README); errors are objects too, and still a line on stderr'
complete -c ftpsh -n "__fish_ftpsh_using_subcommand config; and __fish_seen_subcommand_from path" -l no-config -d 'Read no config file (settings, bookmarks and aliases are the defaults)'
complete -c ftpsh -n "__fish_ftpsh_using_subcommand config; and __fish_seen_subcommand_from path" -s h -l help -d 'Print help'
complete -c ftpsh -n "__fish_ftpsh_using_subcommand config; and __fish_seen_subcommand_from edit" -l config -d 'Read settings, bookmarks and aliases from FILE instead of config.toml in the config directory' -r -F
complete -c ftpsh -n "__fish_ftpsh_using_subcommand config; and __fish_seen_subcommand_from edit" -s q -l quiet -d 'Print only errors and data (no banner, no transfer summaries, no progress unless --progress names a mode)'
complete -c ftpsh -n "__fish_ftpsh_using_subcommand config; and __fish_seen_subcommand_from edit" -s v -l verbose -d 'Trace the protocol on stderr (passwords are masked)'
complete -c ftpsh -n "__fish_ftpsh_using_subcommand config; and __fish_seen_subcommand_from edit" -l json -d 'Write every result as one JSON object per line on stdout (NDJSON; see "For programs" in the README); errors are objects too, and still a line on stderr'
complete -c ftpsh -n "__fish_ftpsh_using_subcommand config; and __fish_seen_subcommand_from edit" -l no-config -d 'Read no config file (settings, bookmarks and aliases are the defaults)'
complete -c ftpsh -n "__fish_ftpsh_using_subcommand config; and __fish_seen_subcommand_from edit" -s h -l help -d 'Print help'
complete -c ftpsh -n "__fish_ftpsh_using_subcommand config; and __fish_seen_subcommand_from check" -l config -d 'Read settings, bookmarks and aliases from FILE instead of config.toml in the config directory' -r -F
complete -c ftpsh -n "__fish_ftpsh_using_subcommand config; and __fish_seen_subcommand_from check" -s q -l quiet -d 'Print only errors and data (no banner, no transfer summaries, no progress unless --progress names a mode)'
complete -c ftpsh -n "__fish_ftpsh_using_subcommand config; and __fish_seen_subcommand_from check" -s v -l verbose -d 'Trace the protocol on stderr (passwords are masked)'
complete -c ftpsh -n "__fish_ftpsh_using_subcommand config; and __fish_seen_subcommand_from check" -l json -d 'Write every result as one JSON object per line on stdout (NDJSON; see "For programs" in the README); errors are objects too, and still a line on stderr'
complete -c ftpsh -n "__fish_ftpsh_using_subcommand config; and __fish_seen_subcommand_from check" -l no-config -d 'Read no config file (settings, bookmarks and aliases are the defaults)'
complete -c ftpsh -n "__fish_ftpsh_using_subcommand config; and __fish_seen_subcommand_from check" -s h -l help -d 'Print help'
complete -c ftpsh -n "__fish_ftpsh_using_subcommand config; and __fish_seen_subcommand_from help" -f -a "path" -d 'Print the config file\'s path (whether or not it exists)'
complete -c ftpsh -n "__fish_ftpsh_using_subcommand config; and __fish_seen_subcommand_from help" -f -a "edit" -d 'Open the config file in $VISUAL or $EDITOR (a commented template when it does not exist yet), then check it'
complete -c ftpsh -n "__fish_ftpsh_using_subcommand config; and __fish_seen_subcommand_from help" -f -a "check" -d 'Check the config file: exit 0 when it is good, else one line saying where it is wrong and exit 2'
complete -c ftpsh -n "__fish_ftpsh_using_subcommand config; and __fish_seen_subcommand_from help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c ftpsh -n "__fish_ftpsh_using_subcommand help; and not __fish_seen_subcommand_from serve demo config help" -f -a "serve" -d 'Serve DIR over FTP: 127.0.0.1:2121, anonymous and read-only unless told otherwise'
complete -c ftpsh -n "__fish_ftpsh_using_subcommand help; and not __fish_seen_subcommand_from serve demo config help" -f -a "demo" -d 'Try ftpsh offline: serve a sample tree on 127.0.0.1 and open the shell on it'
complete -c ftpsh -n "__fish_ftpsh_using_subcommand help; and not __fish_seen_subcommand_from serve demo config help" -f -a "config" -d 'Show, edit or check the config file (settings, bookmarks, aliases, default site)'
complete -c ftpsh -n "__fish_ftpsh_using_subcommand help; and not __fish_seen_subcommand_from serve demo config help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c ftpsh -n "__fish_ftpsh_using_subcommand help; and __fish_seen_subcommand_from config" -f -a "path" -d 'Print the config file\'s path (whether or not it exists)'
complete -c ftpsh -n "__fish_ftpsh_using_subcommand help; and __fish_seen_subcommand_from config" -f -a "edit" -d 'Open the config file in $VISUAL or $EDITOR (a commented template when it does not exist yet), then check it'
complete -c ftpsh -n "__fish_ftpsh_using_subcommand help; and __fish_seen_subcommand_from config" -f -a "check" -d 'Check the config file: exit 0 when it is good, else one line saying where it is wrong and exit 2'
