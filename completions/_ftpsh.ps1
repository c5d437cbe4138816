
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
            [CompletionResult]::new('--timeout', '--timeout', [CompletionResultType]::ParameterName, 'Connect and idle timeout in seconds')
            [CompletionResult]::new('-k', '-k', [CompletionResultType]::ParameterName, 'In -c/-f/stdin mode, run the remaining commands after a failure')
            [CompletionResult]::new('--keep-going', '--keep-going', [CompletionResultType]::ParameterName, 'In -c/-f/stdin mode, run the remaining commands after a failure')
            [CompletionResult]::new('--tls', '--tls', [CompletionResultType]::ParameterName, 'Require explicit TLS (AUTH TLS); fail if the server does not offer it')
            [CompletionResult]::new('--no-tls', '--no-tls', [CompletionResultType]::ParameterName, 'Never use TLS (default: TLS for non-anonymous logins when offered)')
            [CompletionResult]::new('--insecure', '--insecure', [CompletionResultType]::ParameterName, 'Do not verify TLS certificates (dangerous: anyone on the path can read your password)')
            [CompletionResult]::new('--active', '--active', [CompletionResultType]::ParameterName, 'Use active mode (PORT/EPRT) instead of passive (EPSV, then PASV)')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print only errors and data (no banner, no transfer summaries, no progress)')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print only errors and data (no banner, no transfer summaries, no progress)')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Trace the protocol on stderr (passwords are masked)')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Trace the protocol on stderr (passwords are masked)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
    })

    $completions.Where{ $_.CompletionText -like "$wordToComplete*" } |
        Sort-Object -Property ListItemText
}
