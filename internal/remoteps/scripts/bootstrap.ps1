# bootstrap.ps1: runs a script sent on stdin, so that no script is ever limited by cmd.exe's 8191-character command line.
# Line 1 of stdin is the script and line 2 its parameters as a JSON object, both base64 of UTF-8; the rest of stdin
# is the script's own input. The script gets the JSON text and the enumerator of the remaining lines.
$ProgressPreference = 'SilentlyContinue'
$utf8 = New-Object System.Text.UTF8Encoding $false
$lines = $input
if (-not $lines.MoveNext()) { [Console]::Error.WriteLine('bootstrap: no script on stdin'); exit 2 }
$source = $utf8.GetString([Convert]::FromBase64String([string]$lines.Current))
if (-not $lines.MoveNext()) { [Console]::Error.WriteLine('bootstrap: no parameters on stdin'); exit 2 }
$json = $utf8.GetString([Convert]::FromBase64String([string]$lines.Current))
try {
    & ([ScriptBlock]::Create($source)) $json $lines
}
catch {
    [Console]::Error.WriteLine(($_ | Out-String))
    exit 1
}
exit 0
