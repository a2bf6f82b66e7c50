# Import.ps1: the Granfeldt PowerShell MA's import script for the change files EntraDeltaExport writes
# (<seq>-full.jsonl, <seq>-delta.jsonl; format tenantops.entra.v1, described in docs/operations.md).
#
# Full Import reads the newest full file and every file after it; Delta Import reads the files after the seq
# kept in $RunStepCustomData, passing over a checkpoint full file (it holds the same objects as the files before
# it) and stopping at a full file of any other reason, which asks for a Full Import. The first page checks the
# chain of files (names, headers, previous links). The files are then read newest first, each line once: an
# object is imported where it appears last (in its last state) and skipped in older files, by a set of the ids
# seen so far. A file's object count is checked against its header when its last line is read.
# $PageToken is "<last seq of the run>:<seq of the file>:<byte offset of the next line>". The MA calls the
# script once per page in one PowerShell session, so the run's position and seen ids stay in
# $global:EntraImportRun between pages; a page whose token does not match them (a new session) rebuilds them
# from the files before the token's position. $RunStepCustomData becomes the last seq of the run on the last
# page, and MIM keeps it only when the run ends normally.
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
            [void]$files.Add([pscustomobject]@{ Seq = [long]$Matches[1]; Kind = $Matches[2]; Path = $item.FullName; Objects = '' })
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
    , @($files | Where-Object { $_.Seq -gt $Watermark })
}

# Read-Header returns a file's first line, parsed.
function Read-Header($File) {
    $reader = New-Object System.IO.StreamReader($File.Path, $utf8, $false)
    try { $line = $reader.ReadLine() } finally { $reader.Dispose() }
    try { ConvertFrom-Json -InputObject $line } catch { throw ('{0}: the first line is not a change file header.' -f $File.Path) }
}

# Test-Chain checks that the files follow each other seq by seq and that each header names its own file and
# the file before it, and notes each file's object count. $Previous is the seq the first file must follow, or -1 when any will do (Full Import).
# It returns the files to read, newest first: a Delta Import passes over a checkpoint full file and stops at a
# full file of any other reason.
function Test-Chain($Plan, [long]$Previous, [bool]$Full) {
    $after = $Previous
    $read = New-Object System.Collections.ArrayList
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
        $file.Objects = [string]$header.objects
        if (-not $Full -and $file.Kind -eq 'full') {
            if ([string]$header.reason -ne 'checkpoint') {
                throw ('Delta Import: a new full round (reason {2}) started at seq {0}, after the last imported seq {1}. Run a Full Import.' -f $file.Seq, $after, $header.reason)
            }
            continue
        }
        [void]$read.Insert(0, $file)
    }
    , $read
}

# New-Run returns the state of a run at its start: the files to read newest first, where the next page starts,
# the ids seen so far, and the object lines read of the current file.
function New-Run([string]$Key, $Files) {
    @{ Key = $Key; Files = $Files; Index = 0; Seq = 0; Offset = 0; Lines = 0; Seen = (New-Object 'System.Collections.Generic.HashSet[string]') }
}

# Restore-Run rebuilds the state of a run at seq $Seq, byte $Offset: it reads the ids of the files before it in
# reading order, and of the lines of that file before $Offset.
function Restore-Run([string]$Key, $Files, [long]$End, [long]$Seq, [long]$Offset) {
    $run = New-Run $Key $Files
    $seen = $run.Seen
    for ($i = 0; $i -lt $Files.Count; $i++) {
        $file = $Files[$i]
        $stream = [System.IO.File]::OpenRead($file.Path)
        try {
            if ($file.Seq -eq $Seq) { Test-LineStart $stream $Offset $file; $stream.Position = 0 }
            $reader = New-Object System.IO.StreamReader($stream, $utf8, $false)
            $at = $utf8.GetByteCount($reader.ReadLine()) + 1
            $lines = 0
            while (($file.Seq -ne $Seq -or $at -lt $Offset) -and $null -ne ($line = $reader.ReadLine())) {
                $at += $utf8.GetByteCount($line) + 1
                $lines++
                [void]$seen.Add((ConvertTo-ImportObject $line $file).id)
            }
        }
        finally { $stream.Dispose() }
        if ($file.Seq -eq $Seq) {
            $run.Index = $i; $run.Seq = $Seq; $run.Offset = $Offset; $run.Lines = $lines
            return $run
        }
    }
    throw ('The change files of this run changed while it ran (seq {0} or {1} is gone). Run the import again.' -f $Seq, $End)
}

# Test-Count checks that a file holds as many object lines as its header says (Test-Chain noted it), once its
# last line is read.
function Test-Count($File, [long]$Lines) {
    if ($File.Objects -ne [string]$Lines) {
        throw ('{0}: the header says {1} objects, the file holds {2}: it is incomplete.' -f $File.Path, $File.Objects, $Lines)
    }
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
    if ($null -ne $object.references) {
        foreach ($property in $object.references.PSObject.Properties) {
            if ($entry.ContainsKey($property.Name)) {
                throw ('{0}: not a change file object: {1}' -f $File.Path, $Line.Substring(0, [Math]::Min(200, $Line.Length)))
            }
            $ids = @(foreach ($v in @($property.Value)) { if ($null -ne $v) { [string]$v } })
            if ($ids.Count -eq 0) { continue }
            if ($property.Value -is [array]) { $entry[$property.Name] = [string[]]$ids } else { $entry[$property.Name] = $ids[0] }
        }
    }
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

# Read-Page returns up to $Size objects from where the run stands, and moves the run on; a Full Import leaves
# deletes out. An object already seen in a newer file is skipped.
function Read-Page($Run, [long]$End, [int]$Size, [bool]$Full) {
    $page = New-Object System.Collections.ArrayList
    $seen = $Run.Seen
    while ($Run.Index -lt $Run.Files.Count) {
        $file = $Run.Files[$Run.Index]
        if (-not (Test-Path -LiteralPath $file.Path -PathType Leaf)) {
            throw ('The change files of this run changed while it ran (seq {0} or {1} is gone). Run the import again.' -f $file.Seq, $End)
        }
        $stream = [System.IO.File]::OpenRead($file.Path)
        try {
            Test-LineStart $stream $Run.Offset $file
            $reader = New-Object System.IO.StreamReader($stream, $utf8, $false)
            if ($Run.Offset -eq 0) { $Run.Offset = $utf8.GetByteCount($reader.ReadLine()) + 1; $Run.Lines = 0 }
            while ($page.Count -lt $Size -and $null -ne ($line = $reader.ReadLine())) {
                $Run.Offset += $utf8.GetByteCount($line) + 1
                $Run.Lines++
                $entry = ConvertTo-ImportObject $line $file
                if (-not $seen.Add($entry.id) -or ($Full -and $entry.changeType -eq 'delete')) { continue }
                [void]$page.Add($entry)
            }
            $Run.Seq = $file.Seq
            if ($Run.Offset -lt $stream.Length) { return @{ Objects = $page; More = $true } }
        }
        finally { $stream.Dispose() }
        Test-Count $file $Run.Lines
        $Run.Index++
        $Run.Offset = 0
        if ($Run.Index -lt $Run.Files.Count) { $Run.Seq = $Run.Files[$Run.Index].Seq }
        if ($page.Count -ge $Size -and $Run.Index -lt $Run.Files.Count) { return @{ Objects = $page; More = $true } }
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
$previous = -1
if (-not $full) { $previous = $watermark }
if ($token -eq '') {
    $plan = Select-Plan (Get-ChangeFiles $folder) $OperationType $watermark 0
    $end = $watermark
    if ($plan.Count -gt 0) { $end = $plan[-1].Seq }
    $key = '{0}|{1}|{2}|{3}' -f $folder, $OperationType, $watermark, $end
    $run = New-Run $key (Test-Chain $plan $previous $full)
}
else {
    if (-not ($token -cmatch '^([0-9]+):([0-9]+):([0-9]+)\z')) { throw ('Page token "{0}" is not one this script wrote.' -f $token) }
    $end = [long]$Matches[1]; $seq = [long]$Matches[2]; $offset = [long]$Matches[3]
    $key = '{0}|{1}|{2}|{3}' -f $folder, $OperationType, $watermark, $end
    $run = $null
    foreach ($kept in @(Get-Variable -Name 'EntraImportRun' -Scope Global -ErrorAction SilentlyContinue)) { $run = $kept.Value }
    if ($null -eq $run -or $run.Key -ne $key -or $run.Seq -ne $seq -or $run.Offset -ne $offset) {
        $plan = Select-Plan (Get-ChangeFiles $folder) $OperationType $watermark $end
        if ($plan.Count -eq 0 -or $plan[-1].Seq -ne $end -or @($plan | Where-Object { $_.Seq -eq $seq }).Count -eq 0) {
            throw ('The change files of this run changed while it ran (seq {0} or {1} is gone). Run the import again.' -f $seq, $end)
        }
        $run = Restore-Run $key (Test-Chain $plan $previous $full) $end $seq $offset
    }
}
$global:EntraImportRun = $run

$result = Read-Page $run $end $PageSize $full
$global:MoreToImport = $result.More
if ($result.More) {
    $global:PageToken = '{0}:{1}:{2}' -f $end, $run.Seq, $run.Offset
}
else {
    $global:PageToken = ''
    $global:RunStepCustomData = [string]$end
    $global:EntraImportRun = $null
}
$result.Objects
