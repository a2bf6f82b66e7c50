# upload.ps1: receives one file as base64 lines on stdin, ending with "end:<sha256>:<size>". It writes a temporary
# file next to the target, checks size and SHA-256 against the end line, then moves it into place; on any failure the
# temporary file is removed and nothing appears under the target name. Prints {"path","size","sha256"}. Temporary
# files of earlier uploads to the folder that are a day old or more are removed first.
param([string]$ParamsJson, $Lines)
$ErrorActionPreference = 'Stop'

# Uploads cut off by a killed process leave their temporary files behind. Remove this script's own (exactly its
# temporary name shape) that were last written a day ago or more; a file in use stays for a later run.
function Remove-StalePartial([string]$Folder) {
    $cutoff = [DateTime]::UtcNow.AddDays(-1)
    foreach ($path in [System.IO.Directory]::GetFiles($Folder, '.*.partial')) {
        $name = [System.IO.Path]::GetFileName($path)
        if ($name -cmatch '^\.[0-9a-f]{16}\.partial$' -and [System.IO.File]::GetLastWriteTimeUtc($path) -lt $cutoff) {
            try { [System.IO.File]::Delete($path) } catch { Write-Verbose ('kept {0}: {1}' -f $name, $_.Exception.Message) }
        }
    }
}

$params = ConvertFrom-Json -InputObject $ParamsJson
$target = [System.IO.Path]::GetFullPath([string]$params.path)
$folder = [System.IO.Path]::GetDirectoryName($target)
[void][System.IO.Directory]::CreateDirectory($folder)
Remove-StalePartial $folder
# The temporary name has a fixed, short length, so a target name near the 255-character limit still has room.
$temp = Join-Path $folder ('.' + [guid]::NewGuid().ToString('N').Substring(0, 16) + '.partial')
$sha = [System.Security.Cryptography.SHA256]::Create()
$file = [System.IO.File]::Open($temp, [System.IO.FileMode]::CreateNew, [System.IO.FileAccess]::Write, [System.IO.FileShare]::None)
$size = [long]0
$endLine = $null
try {
    while ($Lines.MoveNext()) {
        $line = [string]$Lines.Current
        if ($line.StartsWith('end:')) { $endLine = $line; break }
        if ($line.Length -eq 0) { continue }
        $bytes = [System.Convert]::FromBase64String($line)
        [void]$sha.TransformBlock($bytes, 0, $bytes.Length, $null, 0)
        $file.Write($bytes, 0, $bytes.Length)
        $size += $bytes.Length
    }
    [void]$sha.TransformFinalBlock((New-Object byte[] 0), 0, 0)
    $file.Close()
    $hash = -join ($sha.Hash | ForEach-Object { $_.ToString('x2') })
    if ($null -eq $endLine) { throw 'upload cut off: the input ended before the end marker' }
    $end = $endLine.Split(':')
    if ($end[1] -ne $hash -or [long]$end[2] -ne $size) {
        throw ('upload damaged: got {0} bytes with SHA-256 {1}, sender had {2} bytes with SHA-256 {3}' -f $size, $hash, $end[2], $end[1])
    }
    if ([System.IO.File]::Exists($target)) {
        [System.IO.File]::Replace($temp, $target, [NullString]::Value)
    }
    else {
        [System.IO.File]::Move($temp, $target)
    }
}
catch {
    $file.Dispose()
    if (Test-Path -LiteralPath $temp) { Remove-Item -LiteralPath $temp -Force }
    throw
}
[pscustomobject]@{ path = $target; size = $size; sha256 = $hash } | ConvertTo-Json -Compress
