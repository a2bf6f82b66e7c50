# removezip.ps1: deletes the zip of a backup once its off-site copy has been stored and verified. It deletes only a
# file named .<name>.zip directly in the backup root, never a folder, a link or anything else.
param([string]$ParamsJson, $Lines)
$ErrorActionPreference = 'Stop'
$params = ConvertFrom-Json -InputObject $ParamsJson
$root = [System.IO.Path]::GetFullPath([string]$params.root)
$zip = [System.IO.Path]::GetFullPath([string]$params.zip)
$name = [System.IO.Path]::GetFileName($zip)
if (-not [string]::Equals([System.IO.Path]::GetDirectoryName($zip).TrimEnd('\'), $root.TrimEnd('\'), [System.StringComparison]::OrdinalIgnoreCase) -or
    $name -notmatch '^\..+\.zip$') {
    throw "$zip is not a backup zip directly in $root; refusing to delete it"
}
$item = Get-Item -LiteralPath $zip -Force -ErrorAction SilentlyContinue
if ($null -eq $item) { return }
if ($item.PSIsContainer -or ($item.Attributes -band [System.IO.FileAttributes]::ReparsePoint)) {
    throw "$zip is not a plain file; refusing to delete it"
}
Remove-Item -LiteralPath $zip -Force
