# uploads.ps1: receives many files on stdin, one after another, and answers each with one line on stdout. A file is
# "file:<base64 of UTF-8 JSON {path, size}>" (size -1 when not known), then its bytes as base64 lines, then
# "end:<sha256>:<size>", or "abort:" when the sender could not read it whole. Each file is written to a temporary name next
# to its target, checked against the end line and the announced size, and only then moved into place; any failure removes
# the temporary file and fails that file alone. The answer is "result:" and {path, size, sha256, error} as JSON, error
# empty on success. The script ends when stdin ends. The first time it writes to a folder, it removes temporary files
# of earlier uploads there that are a day old or more.
param([string]$ParamsJson, $Lines)
$ErrorActionPreference = 'Stop'
$utf8 = New-Object System.Text.UTF8Encoding $false
$cleaned = @{}

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

function Test-EndLine([string]$Line) {
    return $Line.StartsWith('end:') -or $Line.StartsWith('abort:')
}

function Receive-File([string]$HeaderLine) {
    $result = [ordered]@{ path = ''; size = [long]0; sha256 = ''; error = '' }
    $endLine = $null
    $file = $null
    $temp = $null
    try {
        $header = ConvertFrom-Json -InputObject $utf8.GetString([Convert]::FromBase64String($HeaderLine.Substring(5)))
        $result.path = [string]$header.path
        $target = [System.IO.Path]::GetFullPath([string]$header.path)
        $folder = [System.IO.Path]::GetDirectoryName($target)
        [void][System.IO.Directory]::CreateDirectory($folder)
        if (-not $cleaned.ContainsKey($folder)) { Remove-StalePartial $folder; $cleaned[$folder] = $true }
        # The temporary name has a fixed, short length, so a target name near the 255-character limit still has room.
        $temp = Join-Path $folder ('.' + [guid]::NewGuid().ToString('N').Substring(0, 16) + '.partial')
        $file = [System.IO.File]::Open($temp, [System.IO.FileMode]::CreateNew, [System.IO.FileAccess]::Write, [System.IO.FileShare]::None)
        $sha = [System.Security.Cryptography.SHA256]::Create()
        $size = [long]0
        while ($Lines.MoveNext()) {
            $line = [string]$Lines.Current
            if (Test-EndLine $line) { $endLine = $line; break }
            if ($line.Length -eq 0) { continue }
            $bytes = [System.Convert]::FromBase64String($line)
            [void]$sha.TransformBlock($bytes, 0, $bytes.Length, $null, 0)
            $file.Write($bytes, 0, $bytes.Length)
            $size += $bytes.Length
        }
        [void]$sha.TransformFinalBlock((New-Object byte[] 0), 0, 0)
        $file.Close()
        $hash = -join ($sha.Hash | ForEach-Object { $_.ToString('x2') })
        $result.size = $size
        $result.sha256 = $hash
        if ($null -eq $endLine) { throw 'upload cut off: the input ended before the end marker' }
        if ($endLine.StartsWith('abort:')) { throw 'upload aborted by the sender' }
        $end = $endLine.Split(':')
        if ($end[1] -ne $hash -or [long]$end[2] -ne $size) {
            throw ('upload damaged: got {0} bytes with SHA-256 {1}, sender had {2} bytes with SHA-256 {3}' -f $size, $hash, $end[2], $end[1])
        }
        if ([long]$header.size -ge 0 -and [long]$header.size -ne $size) {
            throw ('upload incomplete: got {0} bytes, {1} were announced' -f $size, $header.size)
        }
        if ([System.IO.File]::Exists($target)) {
            [System.IO.File]::Replace($temp, $target, [NullString]::Value)
        }
        else {
            [System.IO.File]::Move($temp, $target)
        }
    }
    catch {
        $result.error = $_.Exception.Message
    }
    finally {
        if ($null -ne $file) { $file.Dispose() }
        if ($null -ne $temp -and (Test-Path -LiteralPath $temp)) { Remove-Item -LiteralPath $temp -Force }
    }
    # A file that failed before its end line is skipped to that line, so the next file starts in step.
    while ($null -eq $endLine -and $Lines.MoveNext()) {
        if (Test-EndLine ([string]$Lines.Current)) { $endLine = [string]$Lines.Current }
    }
    return $result
}

while ($Lines.MoveNext()) {
    $line = [string]$Lines.Current
    if ($line.Length -eq 0) { continue }
    if (-not $line.StartsWith('file:')) {
        throw ('uploads: expected a file header, got a line of {0} characters' -f $line.Length)
    }
    $result = Receive-File $line
    [Console]::Out.WriteLine('result:' + (ConvertTo-Json -InputObject $result -Compress))
}
