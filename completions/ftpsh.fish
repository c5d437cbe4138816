complete -c ftpsh -s c -l command -d 'Run these commands (separated by \';\'), then exit' -r
complete -c ftpsh -s f -l file -d 'Run the commands in FILE (one per line, \'#\' comments), then exit' -r -F
complete -c ftpsh -s u -l user -d 'Log in as USER (password from the URL, FTPSH_PASSWORD, ~/.netrc or a prompt)' -r
complete -c ftpsh -l port -d 'Server port (default 21, or 990 for ftps://)' -r
complete -c ftpsh -l netrc-file -d 'Read credentials from FILE instead of ~/.netrc' -r -F
complete -c ftpsh -l ca-file -d 'Trust the certificate(s) in this PEM file as well as the system roots' -r -F
complete -c ftpsh -l timeout -d 'Connect and idle timeout in seconds' -r
complete -c ftpsh -s k -l keep-going -d 'In -c/-f/stdin mode, run the remaining commands after a failure'
complete -c ftpsh -l tls -d 'Require explicit TLS (AUTH TLS); fail if the server does not offer it'
complete -c ftpsh -l no-tls -d 'Never use TLS (default: TLS for non-anonymous logins when offered)'
complete -c ftpsh -l insecure -d 'Do not verify TLS certificates (dangerous: anyone on the path can read your password)'
complete -c ftpsh -l active -d 'Use active mode (PORT/EPRT) instead of passive (EPSV, then PASV)'
complete -c ftpsh -s q -l quiet -d 'Print only errors and data (no banner, no transfer summaries, no progress)'
complete -c ftpsh -s v -l verbose -d 'Trace the protocol on stderr (passwords are masked)'
complete -c ftpsh -s h -l help -d 'Print help'
complete -c ftpsh -s V -l version -d 'Print version'
