
using namespace System.Management.Automation
using namespace System.Management.Automation.Language

Register-ArgumentCompleter -Native -CommandName 'ftpsh' -ScriptBlock {
    param($wordToComplete, $commandAst, $cursorPosition)

    $commandElements = $commandAst.CommandElements
    $command = @(
        'ftpsh'
        for ($i = 1; $i -lt $commandElements.Count; $i++) {
            $element = $commandElements[$i]
            if ($element -isnot [StringConstantExpressionAst] -or
                $element.StringConstantType -ne [StringConstantType]::BareWord -or
                $element.Value.StartsWith('-') -or
                $element.Value -eq $wordToComplete) {
                break
        }
        $element.Value
    }) -join ';'

    $completions = @(switch ($command) {
        'ftpsh' {
            [CompletionResult]::new('-c', '-c', [CompletionResultType]::ParameterName, 'Run these commands (separated by '';''), then exit')
            [CompletionResult]::new('--command', '--command', [CompletionResultType]::ParameterName, 'Run these commands (separated by '';''), then exit')
            [CompletionResult]::new('-f', '-f', [CompletionResultType]::ParameterName, 'Run the commands in FILE (one per line, ''#'' comments), then exit')
            [CompletionResult]::new('--file', '--file', [CompletionResultType]::ParameterName, 'Run the commands in FILE (one per line, ''#'' comments), then exit')
            [CompletionResult]::new('-u', '-u', [CompletionResultType]::ParameterName, 'Log in as USER (password from the URL, FTPSH_PASSWORD, ~/.netrc or a prompt)')
            [CompletionResult]::new('--user', '--user', [CompletionResultType]::ParameterName, 'Log in as USER (password from the URL, FTPSH_PASSWORD, ~/.netrc or a prompt)')
            [CompletionResult]::new('--port', '--port', [CompletionResultType]::ParameterName, 'Server port (default 21, or 990 for ftps://)')
            [CompletionResult]::new('--netrc-file', '--netrc-file', [CompletionResultType]::ParameterName, 'Read credentials from FILE instead of ~/.netrc')
            [CompletionResult]::new('--ca-file', '--ca-file', [CompletionResultType]::ParameterName, 'Trust the certificate(s) in this PEM file as well as the system roots')
            [CompletionResult]::new('--pin', '--pin', [CompletionResultType]::ParameterName, 'Accept only the TLS certificate with this SHA-256 fingerprint (sha256:HEX; several comma-separated), whether or not a CA vouches for it')
            [CompletionResult]::new('--timeout', '--timeout', [CompletionResultType]::ParameterName, 'Connect and idle timeout in seconds (default 30, or the `timeout` setting)')
            [CompletionResult]::new('--retries', '--retries', [CompletionResultType]::ParameterName, 'Retries of a command or file that failed on a transient fault (421, 425, 426, 450, 451, a lost connection, a timeout), waiting 1 s, then twice as long each time, up to 30 s (default 3, or the `retries` setting; 0: never retry)')
            [CompletionResult]::new('--retry-max-time', '--retry-max-time', [CompletionResultType]::ParameterName, 'Do not retry a command once this many seconds have passed since it started (default: no limit but --retries)')
            [CompletionResult]::new('--stall-timeout', '--stall-timeout', [CompletionResultType]::ParameterName, 'Seconds without a byte on a data connection before a transfer or listing counts as stalled, and is retried (default 60, or the `stall_timeout` setting)')
            [CompletionResult]::new('--progress', '--progress', [CompletionResultType]::ParameterName, 'How transfers show progress on stderr (an explicit MODE also works with -q; default auto, or the `progress` setting)')
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'Read settings, bookmarks and aliases from FILE instead of config.toml in the config directory')
            [CompletionResult]::new('-k', '-k', [CompletionResultType]::ParameterName, 'In -c/-f/stdin mode, run the remaining commands after a failure')
            [CompletionResult]::new('--keep-going', '--keep-going', [CompletionResultType]::ParameterName, 'In -c/-f/stdin mode, run the remaining commands after a failure')
            [CompletionResult]::new('--tls', '--tls', [CompletionResultType]::ParameterName, 'Require explicit TLS (AUTH TLS); fail if the server does not offer it')
            [CompletionResult]::new('--no-tls', '--no-tls', [CompletionResultType]::ParameterName, 'Never use TLS (default: TLS for non-anonymous logins when offered)')
            [CompletionResult]::new('--insecure', '--insecure', [CompletionResultType]::ParameterName, 'Do not verify TLS certificates (dangerous: anyone on the path can read your password)')
            [CompletionResult]::new('--active', '--active', [CompletionResultType]::ParameterName, 'Use active mode (PORT/EPRT) instead of passive (EPSV, then PASV)')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print only errors and data (no banner, no transfer summaries, no progress unless --progress names a mode)')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print only errors and data (no banner, no transfer summaries, no progress unless --progress names a mode)')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Trace the protocol on stderr (passwords are masked)')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Trace the protocol on stderr (passwords are masked)')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'Write every result as one JSON object per line on stdout (NDJSON; see "For programs" in the README); errors are objects too, and still a line on stderr')
            [CompletionResult]::new('--no-config', '--no-config', [CompletionResultType]::ParameterName, 'Read no config file (settings, bookmarks and aliases are the defaults)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('serve', 'serve', [CompletionResultType]::ParameterValue, 'Serve DIR over FTP: 127.0.0.1:2121, anonymous and read-only unless told otherwise')
            [CompletionResult]::new('demo', 'demo', [CompletionResultType]::ParameterValue, 'Try ftpsh offline: serve a sample tree on 127.0.0.1 and open the shell on it')
            [CompletionResult]::new('config', 'config', [CompletionResultType]::ParameterValue, 'Show, edit or check the config file (settings, bookmarks, aliases, default site)')
            [CompletionResult]::new('help', 'help', [CompletionResultType]::ParameterValue, 'Print this message or the help of the given subcommand(s)')
            break
        }
        'ftpsh;serve' {
            [CompletionResult]::new('--bind', '--bind', [CompletionResultType]::ParameterName, 'Listen on ADDR (default 127.0.0.1); another address warns when anyone could log in or read the traffic')
            [CompletionResult]::new('--port', '--port', [CompletionResultType]::ParameterName, 'Listen on port N (0: any free port; the first stdout line names it)')
            [CompletionResult]::new('-u', '-u', [CompletionResultType]::ParameterName, 'Require a login as NAME (password from FTPSH_PASSWORD or a prompt; default: anonymous)')
            [CompletionResult]::new('--user', '--user', [CompletionResultType]::ParameterName, 'Require a login as NAME (password from FTPSH_PASSWORD or a prompt; default: anonymous)')
            [CompletionResult]::new('--tls-cert', '--tls-cert', [CompletionResultType]::ParameterName, 'Explicit FTPS (AUTH TLS) with this certificate chain; plain FTP is then refused')
            [CompletionResult]::new('--tls-key', '--tls-key', [CompletionResultType]::ParameterName, 'The private key of --tls-cert')
            [CompletionResult]::new('--passive-ports', '--passive-ports', [CompletionResultType]::ParameterName, 'Passive data ports LO-HI (default: any free port)')
            [CompletionResult]::new('--idle-timeout', '--idle-timeout', [CompletionResultType]::ParameterName, 'Close a control connection idle for SECS seconds')
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'Read settings, bookmarks and aliases from FILE instead of config.toml in the config directory')
            [CompletionResult]::new('--write', '--write', [CompletionResultType]::ParameterName, 'Allow uploads, mkdir, rename and delete (default: read-only)')
            [CompletionResult]::new('--tls-self-signed', '--tls-self-signed', [CompletionResultType]::ParameterName, 'Explicit FTPS with a fresh self-signed certificate; prints its fingerprint (for a client''s --pin) and where its PEM file is (for --ca-file)')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print only errors and data (no banner, no transfer summaries, no progress unless --progress names a mode)')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print only errors and data (no banner, no transfer summaries, no progress unless --progress names a mode)')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Trace the protocol on stderr (passwords are masked)')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Trace the protocol on stderr (passwords are masked)')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'Write every result as one JSON object per line on stdout (NDJSON; see "For programs" in the README); errors are objects too, and still a line on stderr')
            [CompletionResult]::new('--no-config', '--no-config', [CompletionResultType]::ParameterName, 'Read no config file (settings, bookmarks and aliases are the defaults)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            break
        }
        'ftpsh;demo' {
            [CompletionResult]::new('-c', '-c', [CompletionResultType]::ParameterName, 'Run these commands (separated by '';''), then exit')
            [CompletionResult]::new('--command', '--command', [CompletionResultType]::ParameterName, 'Run these commands (separated by '';''), then exit')
            [CompletionResult]::new('-f', '-f', [CompletionResultType]::ParameterName, 'Run the commands in FILE (one per line, ''#'' comments), then exit')
            [CompletionResult]::new('--file', '--file', [CompletionResultType]::ParameterName, 'Run the commands in FILE (one per line, ''#'' comments), then exit')
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'Read settings, bookmarks and aliases from FILE instead of config.toml in the config directory')
            [CompletionResult]::new('-k', '-k', [CompletionResultType]::ParameterName, 'In -c/-f/stdin mode, run the remaining commands after a failure')
            [CompletionResult]::new('--keep-going', '--keep-going', [CompletionResultType]::ParameterName, 'In -c/-f/stdin mode, run the remaining commands after a failure')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print only errors and data (no banner, no transfer summaries, no progress unless --progress names a mode)')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print only errors and data (no banner, no transfer summaries, no progress unless --progress names a mode)')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Trace the protocol on stderr (passwords are masked)')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Trace the protocol on stderr (passwords are masked)')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'Write every result as one JSON object per line on stdout (NDJSON; see "For programs" in the README); errors are objects too, and still a line on stderr')
            [CompletionResult]::new('--no-config', '--no-config', [CompletionResultType]::ParameterName, 'Read no config file (settings, bookmarks and aliases are the defaults)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            break
        }
        'ftpsh;config' {
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'Read settings, bookmarks and aliases from FILE instead of config.toml in the config directory')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print only errors and data (no banner, no transfer summaries, no progress unless --progress names a mode)')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print only errors and data (no banner, no transfer summaries, no progress unless --progress names a mode)')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Trace the protocol on stderr (passwords are masked)')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Trace the protocol on stderr (passwords are masked)')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'Write every result as one JSON object per line on stdout (NDJSON; see "For programs" in the README); errors are objects too, and still a line on stderr')
            [CompletionResult]::new('--no-config', '--no-config', [CompletionResultType]::ParameterName, 'Read no config file (settings, bookmarks and aliases are the defaults)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('path', 'path', [CompletionResultType]::ParameterValue, 'Print the config file''s path (whether or not it exists)')
            [CompletionResult]::new('edit', 'edit', [CompletionResultType]::ParameterValue, 'Open the config file in $VISUAL or $EDITOR (a commented template when it does not exist yet), then check it')
            [CompletionResult]::new('check', 'check', [CompletionResultType]::ParameterValue, 'Check the config file: exit 0 when it is good, else one line saying where it is wrong and exit 2')
            [CompletionResult]::new('help', 'help', [CompletionResultType]::ParameterValue, 'Print this message or the help of the given subcommand(s)')
            break
        }
        'ftpsh;config;path' {
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'Read settings, bookmarks and aliases from FILE instead of config.toml in the config directory')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print only errors and data (no banner, no transfer summaries, no progress unless --progress names a mode)')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print only errors and data (no banner, no transfer summaries, no progress unless --progress names a mode)')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Trace the protocol on stderr (passwords are masked)')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Trace the protocol on stderr (passwords are masked)')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'Write every result as one JSON object per line on stdout (NDJSON; see "For programs" in the README); errors are objects too, and still a line on stderr')
            [CompletionResult]::new('--no-config', '--no-config', [CompletionResultType]::ParameterName, 'Read no config file (settings, bookmarks and aliases are the defaults)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            break
        }
        'ftpsh;config;edit' {
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'Read settings, bookmarks and aliases from FILE instead of config.toml in the config directory')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print only errors and data (no banner, no transfer summaries, no progress unless --progress names a mode)')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print only errors and data (no banner, no transfer summaries, no progress unless --progress names a mode)')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Trace the protocol on stderr (passwords are masked)')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Trace the protocol on stderr (passwords are masked)')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'Write every result as one JSON object per line on stdout (NDJSON; see "For programs" in the README); errors are objects too, and still a line on stderr')
            [CompletionResult]::new('--no-config', '--no-config', [CompletionResultType]::ParameterName, 'Read no config file (settings, bookmarks and aliases are the defaults)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            break
        }
        'ftpsh;config;check' {
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'Read settings, bookmarks and aliases from FILE instead of config.toml in the config directory')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print only errors and data (no banner, no transfer summaries, no progress unless --progress names a mode)')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print only errors and data (no banner, no transfer summaries, no progress unless --progress names a mode)')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Trace the protocol on stderr (passwords are masked)')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Trace the protocol on stderr (passwords are masked)')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'Write every result as one JSON object per line on stdout (NDJSON; see "For programs" in the README); errors are objects too, and still a line on stderr')
            [CompletionResult]::new('--no-config', '--no-config', [CompletionResultType]::ParameterName, 'Read no config file (settings, bookmarks and aliases are the defaults)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            break
        }
        'ftpsh;config;help' {
            [CompletionResult]::new('path', 'path', [CompletionResultType]::ParameterValue, 'Print the config file''s path (whether or not it exists)')
            [CompletionResult]::new('edit', 'edit', [CompletionResultType]::ParameterValue, 'Open the config file in $VISUAL or $EDITOR (a commented template when it does not exist yet), then check it')
            [CompletionResult]::new('check', 'check', [CompletionResultType]::ParameterValue, 'Check the config file: exit 0 when it is good, else one line saying where it is wrong and exit 2')
            [CompletionResult]::new('help', 'help', [CompletionResultType]::ParameterValue, 'Print this message or the help of the given subcommand(s)')
            break
        }
        'ftpsh;config;help;path' {
            break
        }
        'ftpsh;config;help;edit' {
            break
        }
        'ftpsh;config;help;check' {
            break
        }
        'ftpsh;config;help;help' {
            break
        }
        'ftpsh;help' {
            [CompletionResult]::new('serve', 'serve', [CompletionResultType]::ParameterValue, 'Serve DIR over FTP: 127.0.0.1:2121, anonymous and read-only unless told otherwise')
            [CompletionResult]::new('demo', 'demo', [CompletionResultType]::ParameterValue, 'Try ftpsh offline: serve a sample tree on 127.0.0.1 and open the shell on it')
            [CompletionResult]::new('config', 'config', [CompletionResultType]::ParameterValue, 'Show, edit or check the config file (settings, bookmarks, aliases, default site)')
            [CompletionResult]::new('help', 'help', [CompletionResultType]::ParameterValue, 'Print this message or the help of the given subcommand(s)')
            break
        }
        'ftpsh;help;serve' {
            break
        }
        'ftpsh;help;demo' {
            break
        }
        'ftpsh;help;config' {
            [CompletionResult]::new('path', 'path', [CompletionResultType]::ParameterValue, 'Print the config file''s path (whether or not it exists)')
            [CompletionResult]::new('edit', 'edit', [CompletionResultType]::ParameterValue, 'Open the config file in $VISUAL or $EDITOR (a commented template when it does not exist yet), then check it')
            [CompletionResult]::new('check', 'check', [CompletionResultType]::ParameterValue, 'Check the config file: exit 0 when it is good, else one line saying where it is wrong and exit 2')
            break
        }
        'ftpsh;help;config;path' {
            break
        }
        'ftpsh;help;config;edit' {
            break
        }
        'ftpsh;help;config;check' {
            break
        }
        'ftpsh;help;help' {
            break
        }
    })

    $completions.Where{ $_.CompletionText -like "$wordToComplete*" } |
        Sort-Object -Property ListItemText
}
