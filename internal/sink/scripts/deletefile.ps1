# deletefile.ps1: deletes one file directly in a folder of the MIM server; a missing file is no error.
param([string]$ParamsJson, $Lines)
$ErrorActionPreference = 'Stop'
$params = ConvertFrom-Json -InputObject $ParamsJson
$path = Join-Path -Path ([string]$params.folder) -ChildPath ([string]$params.name)
if (Test-Path -LiteralPath $path -PathType Leaf) { Remove-Item -LiteralPath $path -Force }
