# Import.ps1: the Granfeldt PowerShell MA's import script for the change files EntraDeltaExport writes
# (<seq>-full.jsonl, <seq>-delta.jsonl; format tenantops.entra.v1, described in docs/operations.md).
#
# Full Import reads the newest full file and every delta file after it; Delta Import reads the files after the
# seq kept in $RunStepCustomData. Every page re-checks the chain of files (names, headers, previous links), and
# the first page also counts each file's objects. An object that appears again in a later file of the run is
# skipped where it appears first, so each object is imported once, in its last state. $PageToken is
# "<last seq of the run>:<seq of the file>:<byte offset of the next line>": the run stays on the files it
# started with, and each page reads only its own lines. $RunStepCustomData becomes the last seq imported on
# the last page, and MIM keeps it only when the run ends normally.
#
# The MA passes the folder as the configuration parameter Folder=<path>. File content is only ever data.
param(
    $Username, $Password, $Credentials, $AuxUsername, $AuxPassword, $AuxCredentials,
    $ConfigurationParameter,
    [string]$OperationType = 'Full',
    [bool]$UsePagedImport,
    [int]$PageSize = 100,
    $Schema
)
Set-StrictMode -Version 1
$ErrorActionPreference = 'Stop'

$format = 'tenantops.entra.v1'
$utf8 = New-Object System.Text.UTF8Encoding($false, $true)

# Get-ChangeFiles lists the change files in a folder by seq.
function Get-ChangeFiles([string]$Folder) {
    $files = New-Object System.Collections.ArrayList
    foreach ($item in Get-ChildItem -LiteralPath $Folder -File) {
        if ($item.Name -cmatch '^([0-9]{12})-(full|delta)\.jsonl\z') {
            [void]$files.Add([pscustomobject]@{ Seq = [long]$Matches[1]; Kind = $Matches[2]; Path = $item.FullName })
        }
    }
    , @($files | Sort-Object Seq)
}

# Select-Plan returns the files of this run, up to and including seq $End (0 = the newest file).
function Select-Plan($Files, [string]$Operation, [long]$Watermark, [long]$End) {
    $files = @($Files | Where-Object { $End -eq 0 -or $_.Seq -le $End })
    if ($Operation -eq 'Full') {
        $fulls = @($files | Where-Object { $_.Kind -eq 'full' })
        if ($fulls.Count -eq 0) {
            throw ('Full Import: {0} holds no full change file yet; let EntraDeltaExport run a full round first.' -f $folder)
        }
        return , @($files | Where-Object { $_.Seq -ge $fulls[-1].Seq })
    }
    $newest = 0
    if ($files.Count -gt 0) { $newest = $files[-1].Seq }
    if ($newest -lt $Watermark) {
        throw ('Delta Import: the newest change file is seq {0}, older than the last imported seq {1}: the export started over. Run a Full Import.' -f $newest, $Watermark)
    }
    $plan = @($files | Where-Object { $_.Seq -gt $Watermark })
    foreach ($file in $plan) {
        if ($file.Kind -eq 'full') {
            throw ('Delta Import: a new full round started at seq {0}, after the last imported seq {1}. Run a Full Import.' -f $file.Seq, $Watermark)
        }
    }
    , $plan
}

# Read-Header returns a file's first line, parsed.
function Read-Header($File) {
    $reader = New-Object System.IO.StreamReader($File.Path, $utf8, $false)
    try { $line = $reader.ReadLine() } finally { $reader.Dispose() }
    try { ConvertFrom-Json -InputObject $line } catch { throw ('{0}: the first line is not a change file header.' -f $File.Path) }
}

# Test-Chain checks that the files follow each other seq by seq and that each header names its own file and
# the file before it. $Previous is the seq the first file must follow, or -1 when any will do (Full Import).
function Test-Chain($Plan, [long]$Previous) {
    foreach ($file in $Plan) {
        if ($Previous -ge 0 -and $file.Seq -ne $Previous + 1) {
            throw ('Change file seq {0} is missing (pruned, or never delivered); the next file is seq {1}. A Delta Import needs a Full Import now; a Full Import needs a new full round first (run EntraDeltaExport with {{"full":true}}).' -f ($Previous + 1), $file.Seq)
        }
        $header = Read-Header $file
        if ($header.format -ne $format -or [string]$header.seq -ne [string]$file.Seq -or $header.kind -ne $file.Kind) {
            throw ('{0}: the header (format {1}, seq {2}, kind {3}) does not match the file name.' -f $file.Path, $header.format, $header.seq, $header.kind)
        }
        if ($Previous -ge 0 -and [string]$header.previous -ne [string]$Previous) {
            throw ('{0}: broken chain: the header says previous {1}, but the file before it is seq {2}.' -f $file.Path, $header.previous, $Previous)
        }
        $Previous = $file.Seq
    }
}

# Test-Count checks that a file holds as many object lines as its header says.
function Test-Count($File) {
    $header = Read-Header $File
    $lines = -1
    $reader = New-Object System.IO.StreamReader($File.Path, $utf8, $false)
    try { while ($null -ne $reader.ReadLine()) { $lines++ } } finally { $reader.Dispose() }
    if ([string]$header.objects -ne [string]$lines) {
        throw ('{0}: the header says {1} objects, the file holds {2}: it is incomplete.' -f $File.Path, $header.objects, $lines)
    }
}

# Get-LaterIds returns the ids of the objects in the plan's files from index $From on.
function Get-LaterIds($Plan, [int]$From) {
    $ids = New-Object 'System.Collections.Generic.HashSet[string]'
    for ($i = $From; $i -lt $Plan.Count; $i++) {
        $lines = [System.IO.File]::ReadAllLines($Plan[$i].Path, $utf8)
        for ($n = 1; $n -lt $lines.Count; $n++) {
            [void]$ids.Add([string](ConvertFrom-Json -InputObject $lines[$n]).id)
        }
    }
    , $ids
}

# ConvertTo-AttributeValue turns a JSON value into what the MA takes: nested objects as their JSON text.
function ConvertTo-AttributeValue($Value) {
    if ($Value -is [System.Management.Automation.PSCustomObject]) { return ConvertTo-Json -InputObject $Value -Compress -Depth 20 }
    if ($Value -is [int]) { return [long]$Value }
    if ($Value -is [datetime]) { return $Value.ToUniversalTime().ToString('o') }
    $Value
}

# ConvertTo-ImportObject turns one object line into the hashtable the MA imports.
function ConvertTo-ImportObject([string]$Line, $File) {
    $object = ConvertFrom-Json -InputObject $Line
    if (@('user', 'group') -cnotcontains $object.objectClass -or [string]::IsNullOrEmpty($object.id) -or @('upsert', 'delete') -cnotcontains $object.changeType) {
        throw ('{0}: not a change file object: {1}' -f $File.Path, $Line.Substring(0, [Math]::Min(200, $Line.Length)))
    }
    $entry = @{ objectClass = [string]$object.objectClass; id = [string]$object.id; '[DN]' = [string]$object.id }
    if ($object.changeType -eq 'delete') {
        $entry.changeType = 'delete'
        return $entry
    }
    if ($null -ne $object.attributes) {
        foreach ($property in $object.attributes.PSObject.Properties) {
            $values = @(foreach ($v in @($property.Value)) { if ($null -ne $v) { ConvertTo-AttributeValue $v } })
            if ($values.Count -eq 0) { continue }
            if ($property.Value -is [array]) { $entry[$property.Name] = [object[]]$values } else { $entry[$property.Name] = $values[0] }
        }
    }
    $members = @($object.members | Where-Object { $null -ne $_ })
    if ($members.Count -gt 0) { $entry.members = [string[]]$members }
    $entry
}

# Test-LineStart checks that a page token's offset is the start of a line of the file.
function Test-LineStart($Stream, [long]$Offset, $File) {
    if ($Offset -gt 0) {
        $Stream.Position = $Offset - 1
        if ($Offset -gt $Stream.Length -or $Stream.ReadByte() -ne 10) {
            throw ('Page token offset {0} is not the start of a line of {1}. Run a Full Import.' -f $Offset, $File.Path)
        }
    }
}

# Read-Page returns up to $Size objects from seq $Seq at byte $Offset on, with where the next page starts.
function Read-Page($Plan, [long]$Seq, [long]$Offset, [int]$Size, [bool]$Full) {
    $page = New-Object System.Collections.ArrayList
    for ($i = 0; $i -lt $Plan.Count; $i++) {
        $file = $Plan[$i]
        if ($file.Seq -lt $Seq) { continue }
        if ($file.Seq -gt $Seq) { $Offset = 0 }
        $later = Get-LaterIds $Plan ($i + 1)
        $stream = [System.IO.File]::OpenRead($file.Path)
        try {
            Test-LineStart $stream $Offset $file
            $reader = New-Object System.IO.StreamReader($stream, $utf8, $false)
            if ($Offset -eq 0) { $Offset = $utf8.GetByteCount($reader.ReadLine()) + 1 }
            while ($null -ne ($line = $reader.ReadLine())) {
                if ($page.Count -ge $Size) {
                    return @{ Objects = $page; Seq = $file.Seq; Offset = $Offset; More = $true }
                }
                $Offset += $utf8.GetByteCount($line) + 1
                $entry = ConvertTo-ImportObject $line $file
                if ($later.Contains($entry.id) -or ($Full -and $entry.changeType -eq 'delete')) { continue }
                [void]$page.Add($entry)
            }
        }
        finally { $stream.Dispose() }
    }
    @{ Objects = $page; More = $false }
}

$folder = ''
if ($null -ne $ConfigurationParameter -and $ConfigurationParameter.ContainsKey('Folder')) { $folder = [string]$ConfigurationParameter['Folder'] }
if ([string]::IsNullOrEmpty($folder) -or -not (Test-Path -LiteralPath $folder -PathType Container)) {
    throw ('The configuration parameter Folder must name the folder of the change files; it is "{0}".' -f $folder)
}
if (-not $UsePagedImport) { $PageSize = [int]::MaxValue }
if ($PageSize -lt 1) { $PageSize = 100 }
$full = $OperationType -eq 'Full'
[long]$watermark = 0
if (-not $full -and -not [long]::TryParse([string]$RunStepCustomData, [ref]$watermark)) {
    throw 'Delta Import: no seq of an earlier import is known. Run a Full Import first.'
}
$token = [string]$PageToken
if ($token -eq '') {
    $plan = Select-Plan (Get-ChangeFiles $folder) $OperationType $watermark 0
    $end = $watermark
    if ($plan.Count -gt 0) { $end = $plan[-1].Seq; $seq = $plan[0].Seq }
    $offset = 0
}
else {
    if (-not ($token -cmatch '^([0-9]+):([0-9]+):([0-9]+)\z')) { throw ('Page token "{0}" is not one this script wrote.' -f $token) }
    $end = [long]$Matches[1]; $seq = [long]$Matches[2]; $offset = [long]$Matches[3]
    $plan = Select-Plan (Get-ChangeFiles $folder) $OperationType $watermark $end
    if ($plan.Count -eq 0 -or $plan[-1].Seq -ne $end -or @($plan | Where-Object { $_.Seq -eq $seq }).Count -eq 0) {
        throw ('The change files of this run changed while it ran (seq {0} or {1} is gone). Run the import again.' -f $seq, $end)
    }
}
$previous = -1
if (-not $full) { $previous = $watermark }
Test-Chain $plan $previous
if ($token -eq '') { foreach ($file in $plan) { Test-Count $file } }

$result = @{ Objects = @(); More = $false }
if ($plan.Count -gt 0) { $result = Read-Page $plan $seq $offset $PageSize $full }
$global:MoreToImport = $result.More
if ($result.More) {
    $global:PageToken = '{0}:{1}:{2}' -f $end, $result.Seq, $result.Offset
}
else {
    $global:PageToken = ''
    $global:RunStepCustomData = [string]$end
}
$result.Objects
