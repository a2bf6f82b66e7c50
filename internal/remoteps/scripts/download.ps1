# download.ps1: writes one file to stdout as base64 lines, then "end:<sha256>:<size>"; with "remove" set, deletes
# the file once it has been read completely.
param([string]$ParamsJson, $Lines)
$ErrorActionPreference = 'Stop'
$params = ConvertFrom-Json -InputObject $ParamsJson
$path = [System.IO.Path]::GetFullPath([string]$params.path)
$sha = [System.Security.Cryptography.SHA256]::Create()
$buffer = New-Object byte[] 196608
$size = [long]0
$file = [System.IO.File]::OpenRead($path)
try {
    while (($count = $file.Read($buffer, 0, $buffer.Length)) -gt 0) {
        [void]$sha.TransformBlock($buffer, 0, $count, $null, 0)
        [Console]::Out.WriteLine([System.Convert]::ToBase64String($buffer, 0, $count))
        $size += $count
    }
    [void]$sha.TransformFinalBlock((New-Object byte[] 0), 0, 0)
}
finally {
    $file.Dispose()
}
$hash = -join ($sha.Hash | ForEach-Object { $_.ToString('x2') })
[Console]::Out.WriteLine('end:' + $hash + ':' + $size)
if ($params.remove) { Remove-Item -LiteralPath $path -Force }
