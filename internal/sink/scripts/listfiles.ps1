# listfiles.ps1: lists the files directly in a folder of the MIM server, one JSON line each (name, size, modified UTC).
# A missing folder lists nothing.
param([string]$ParamsJson, $Lines)
$ErrorActionPreference = 'Stop'
$params = ConvertFrom-Json -InputObject $ParamsJson
$folder = [string]$params.folder
if (-not (Test-Path -LiteralPath $folder -PathType Container)) { exit 0 }
Get-ChildItem -LiteralPath $folder -File -Force | ForEach-Object {
    $item = [ordered]@{ name = $_.Name; size = $_.Length; modified = $_.LastWriteTimeUtc.ToString('o') }
    ConvertTo-Json -InputObject $item -Compress
}
