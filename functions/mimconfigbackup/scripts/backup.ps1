# backup.ps1: exports the MIM Sync and Service configuration into a new dated folder under the backup root, writes
# manifest.json (every file's path, size and SHA-256, step timings, failed steps), lists the zips earlier runs could not
# copy off-site (removing those that cannot be delivered), deletes backups older than the retention cutoff but the
# newest complete ones, and prints one JSON summary line. A failing step is recorded and the
# other steps still run. Each finished step is printed at once as a "step:" line, so the caller knows what was done
# even if the run is stopped; once the time budget is spent, the remaining steps are recorded as not run.
param([string]$ParamsJson, $Lines)
$ErrorActionPreference = 'Stop'
$ProgressPreference = 'SilentlyContinue'
$runClock = [System.Diagnostics.Stopwatch]::StartNew()
$params = ConvertFrom-Json -InputObject $ParamsJson
$invariant = [System.Globalization.CultureInfo]::InvariantCulture
$root = [System.IO.Path]::GetFullPath([string]$params.root)
$folderName = [string]$params.folder
$backup = Join-Path $root $folderName

if (Test-Path -LiteralPath $backup) {
    throw "backup folder $backup already exists; refusing to overwrite it"
}
[void][System.IO.Directory]::CreateDirectory($root)

# A backup's name parses with the folder format; anything else under the root is not ours.
function Get-BackupDate([string]$Name) {
    $date = [datetime]::MinValue
    if ([datetime]::TryParseExact($Name, [string]$params.folderFormat, $invariant, [System.Globalization.DateTimeStyles]::None, [ref]$date)) { return $date }
    return $null
}

# Zips an earlier run could not copy off-site (a failed download or upload, a stopped run): only plain files named
# .<backup name>.zip directly under the root, never anything else. They are listed now, before this run's zip exists,
# and sorted out once retention has run.
$found = New-Object System.Collections.ArrayList
$cleanupError = ''
try {
    foreach ($item in @(Get-ChildItem -LiteralPath $root -File -Force)) {
        if ($item.Name -match '^\.(.+)\.zip$' -and -not ($item.Attributes -band [System.IO.FileAttributes]::ReparsePoint)) {
            $name = $Matches[1]
            $date = Get-BackupDate $name
            if ($null -ne $date) { [void]$found.Add([pscustomobject]@{ Folder = $name; Date = $date; Path = $item.FullName }) }
        }
    }
}
catch {
    $cleanupError = $_.Exception.Message
}
[void][System.IO.Directory]::CreateDirectory($backup)
$folders = @{}
foreach ($name in 'MAExports', 'ServerExport', 'MAExtensions', 'PortalExport') {
    $folders[$name] = Join-Path $backup $name
    [void][System.IO.Directory]::CreateDirectory($folders[$name])
}

$steps = New-Object System.Collections.ArrayList
$budgetSeconds = [double]$params.budgetSeconds
# What the steps learn about the run. A hashtable, so that the functions and script blocks below change this one and
# not a copy in their own scope.
$state = @{ partial = $false; retentionSkipped = '' }
# An export step starts only within the time budget; -AnyTime marks a step that runs regardless (retention, which
# deletes nothing unless every export succeeded).
function Invoke-Step([string]$Name, [scriptblock]$Work, [switch]$AnyTime) {
    $clock = [System.Diagnostics.Stopwatch]::StartNew()
    $record = [ordered]@{ name = $Name; seconds = 0; ok = $true; error = '' }
    if (-not $AnyTime -and $budgetSeconds -gt 0 -and $runClock.Elapsed.TotalSeconds -ge $budgetSeconds) {
        $state.partial = $true
        $record.ok = $false
        $record.error = 'not run: the run deadline was near (time budget of ' + $budgetSeconds + ' s spent)'
    }
    else {
        try {
            & $Work
        }
        catch {
            $record.ok = $false
            $record.error = $_.Exception.Message
        }
    }
    $record.seconds = [math]::Round($clock.Elapsed.TotalSeconds, 3)
    [void]$steps.Add([pscustomobject]$record)
    [Console]::Out.WriteLine('step:' + (ConvertTo-Json -InputObject ([pscustomobject]$record) -Compress))
}

function Get-SafeFileName([string]$Name) {
    $safe = $Name
    foreach ($c in [System.IO.Path]::GetInvalidFileNameChars()) { $safe = $safe.Replace([string]$c, '_') }
    return $safe
}

# Export-ManagementAgent asks before it overwrites a file, which fails without a console: two MA names that make the
# same file name (the file system ignores case) get a numbered second name instead.
Invoke-Step 'MAExports' {
    Import-Module LithnetMiisAutomation
    $failures = @()
    $taken = @{}
    foreach ($ma in @(Get-ManagementAgent)) {
        $fileName = Get-SafeFileName $ma.Name
        for ($n = 2; $taken.ContainsKey($fileName); $n++) { $fileName = (Get-SafeFileName $ma.Name) + '_' + $n }
        $taken[$fileName] = $true
        try {
            Export-ManagementAgent -MA $ma.Name -File (Join-Path $folders['MAExports'] ($fileName + '.xml'))
        }
        catch {
            $failures += ('{0}: {1}' -f $ma.Name, $_.Exception.Message)
        }
    }
    if ($failures.Count -gt 0) { throw ('export failed for ' + ($failures -join '; ')) }
}

Invoke-Step 'ServerExport' {
    Import-Module LithnetMiisAutomation
    Export-MetaverseConfiguration -Path $folders['ServerExport']
}

Invoke-Step 'MAExtensions' {
    $source = [string]$params.extensionsPath
    if (-not (Test-Path -LiteralPath $source -PathType Container)) { throw "extensions folder $source does not exist" }
    Get-ChildItem -LiteralPath $source -Force | Copy-Item -Destination $folders['MAExtensions'] -Recurse -Force
}

Invoke-Step 'PortalExport' {
    Add-PSSnapin FIMAutomation
    $uri = [string]$params.serviceUri
    $exports = [ordered]@{
        'schema.xml' = { Export-FIMConfig -Uri $uri -SchemaConfig -CustomConfig '/SynchronizationFilter' -MessageSize 9999999 }
        'policy.xml' = { Export-FIMConfig -Uri $uri -PolicyConfig -MessageSize 9999999 }
        'portal.xml' = { Export-FIMConfig -Uri $uri -PortalConfig -MessageSize 9999999 }
    }
    # Export-FIMConfig returns nothing, without an error, when no management policy rule lets the account read the
    # configuration: an empty export is a failure, never an empty file.
    $empty = @()
    foreach ($file in $exports.Keys) {
        $objects = @(& $exports[$file])
        if ($objects.Count -eq 0) { $empty += $file; continue }
        $objects | ConvertFrom-FIMResource -File (Join-Path $folders['PortalExport'] $file)
    }
    if ($empty.Count -gt 0) {
        throw ('Export-FIMConfig returned nothing for ' + ($empty -join ', ') + ': the account most likely lacks read rights ' +
            'in the MIM Service (no management policy rule grants it read access to the configuration objects)')
    }
}

# The export date inside Sync XML changes on every export; the content hash leaves it out, so that an unchanged
# configuration hashes the same every night.
function Get-ContentHash([string]$Path) {
    $text = [System.IO.File]::ReadAllText($Path)
    $text = [regex]::Replace($text, '\sexport-date\s*=\s*("[^"]*"|''[^'']*'')', '')
    $sha = [System.Security.Cryptography.SHA256]::Create()
    $bytes = [System.Text.Encoding]::UTF8.GetBytes($text)
    return -join ($sha.ComputeHash($bytes) | ForEach-Object { $_.ToString('x2') })
}

$files = @(Get-ChildItem -LiteralPath $backup -Recurse -File | Sort-Object FullName | ForEach-Object {
    $entry = [ordered]@{
        path   = $_.FullName.Substring($backup.Length + 1)
        size   = $_.Length
        sha256 = (Get-FileHash -LiteralPath $_.FullName -Algorithm SHA256).Hash.ToLowerInvariant()
    }
    if ($_.Extension -eq '.xml') { $entry.contentHash = Get-ContentHash $_.FullName }
    [pscustomobject]$entry
})

# The earlier backups: folders right under the root whose names parse with the folder format and are older than this
# one. Junctions and symbolic links are never backups: Remove-Item would delete what they point to.
$current = Get-BackupDate $folderName
$earlier = @(Get-ChildItem -LiteralPath $root -Directory | Where-Object {
    $_.Name -ne $folderName -and -not ($_.Attributes -band [System.IO.FileAttributes]::ReparsePoint)
} | ForEach-Object {
    $date = Get-BackupDate $_.Name
    if ($null -ne $date -and $date -lt $current) { [pscustomobject]@{ Name = $_.Name; Date = $date; Path = $_.FullName } }
} | Sort-Object Date)

# The newest earlier backup with a manifest, for the diff.
$previous = $null
$previousManifest = ''
for ($i = $earlier.Count - 1; $i -ge 0; $i--) {
    $candidate = Join-Path $earlier[$i].Path 'manifest.json'
    if (Test-Path -LiteralPath $candidate) {
        $previous = $earlier[$i].Name
        $previousManifest = [System.IO.File]::ReadAllText($candidate)
        break
    }
}

# A complete backup has a manifest with every step run and none failed. A partial or failed one never counts as one
# of the newest complete backups that retention keeps.
function Test-CompleteBackup([string]$Path) {
    $file = Join-Path $Path 'manifest.json'
    if (-not (Test-Path -LiteralPath $file -PathType Leaf)) { return $false }
    try { $m = ConvertFrom-Json -InputObject ([System.IO.File]::ReadAllText($file)) } catch { return $false }
    $failedSteps = @($m.failed | Where-Object { $_ })
    $badSteps = @($m.steps | Where-Object { -not $_.ok })
    return (@($m.steps).Count -gt 0 -and $failedSteps.Count -eq 0 -and $badSteps.Count -eq 0 -and -not $m.partial)
}

# The leftover zips, oldest first, sorted out before retention runs, so that a backup retention deletes now still has
# its zip delivered. One the function can still deliver (its backup is complete and still there, and an off-site
# container is set) is kept and listed with its size, and, for the first leftoverMax of them, its SHA-256; the function
# copies those and removes them. Any other is removed here, and the reason is reported.
$leftovers = New-Object System.Collections.ArrayList
$leftoversRemoved = New-Object System.Collections.ArrayList
try {
    foreach ($z in @($found | Sort-Object Date)) {
        $folderPath = Join-Path $root $z.Folder
        $why = ''
        if (-not $params.zip) { $why = 'no off-site container is set' }
        elseif ($z.Folder -eq $folderName -or -not (Test-Path -LiteralPath $folderPath -PathType Container)) { $why = 'its backup folder is gone' }
        elseif (-not (Test-CompleteBackup $folderPath)) { $why = 'its backup is not complete' }
        if ($why) {
            Remove-Item -LiteralPath $z.Path -Force
            [void]$leftoversRemoved.Add([pscustomobject][ordered]@{ zip = $z.Path; why = $why })
            continue
        }
        $entry = [ordered]@{ zip = $z.Path; folder = $z.Folder; size = (Get-Item -LiteralPath $z.Path -Force).Length; sha256 = '' }
        if ($leftovers.Count -lt [int]$params.leftoverMax) {
            $entry.sha256 = (Get-FileHash -LiteralPath $z.Path -Algorithm SHA256).Hash.ToLowerInvariant()
        }
        [void]$leftovers.Add([pscustomobject]$entry)
    }
}
catch {
    $cleanupError = $_.Exception.Message
}

$deleted = New-Object System.Collections.ArrayList
$keptByMinimum = New-Object System.Collections.ArrayList
Invoke-Step 'Retention' -AnyTime {
    if ([string]::IsNullOrEmpty([string]$params.retentionCutoff)) { return }
    # An incomplete backup never costs an older complete one: a run of bad
    # nights keeps the last good backups until someone looks.
    $incomplete = @($steps | Where-Object { -not $_.ok } | ForEach-Object { $_.name })
    if ($incomplete.Count -gt 0) {
        $state.retentionSkipped = 'kept every earlier backup because this one is incomplete (' + ($incomplete -join ', ') + ')'
        return
    }
    $cutoff = [datetime]::ParseExact([string]$params.retentionCutoff, 'yyyy-MM-dd HH:mm:ss', $invariant)
    # Age alone would empty the root after an outage longer than the retention period: this backup and the newest
    # complete earlier ones, keepMin in all, stay whatever their age.
    $keep = @{}
    $earlierToKeep = [int]$params.keepMin - 1
    if ($earlierToKeep -gt 0) {
        $complete = @($earlier | Where-Object { Test-CompleteBackup $_.Path })
        foreach ($b in @($complete | Select-Object -Last $earlierToKeep)) { $keep[$b.Name] = $true }
    }
    foreach ($old in $earlier) {
        if ($old.Date -ge $cutoff) { continue }
        if ($keep.ContainsKey($old.Name)) {
            [void]$keptByMinimum.Add($old.Name)
            continue
        }
        Remove-Item -LiteralPath $old.Path -Recurse -Force
        [void]$deleted.Add($old.Name)
    }
}

$failed = @($steps | Where-Object { -not $_.ok } | ForEach-Object { $_.name })
$manifest = [pscustomobject][ordered]@{
    version = 1
    folder  = $folderName
    created = [string]$params.created
    files   = $files
    steps   = @($steps)
    failed  = $failed
    partial = $state.partial
}
$manifestText = ConvertTo-Json -InputObject $manifest -Depth 6 -Compress
[System.IO.File]::WriteAllText((Join-Path $backup 'manifest.json'), $manifestText, (New-Object System.Text.UTF8Encoding $false))

# The zip for the off-site copy. A failure here is reported in the summary, like a failed step: the backup itself
# is complete by now.
$zip = ''
$zipError = ''
if ($params.zip -and $state.partial) {
    $zipError = 'not made: the run deadline was near and the backup is partial'
}
elseif ($params.zip) {
    $zipPath = Join-Path $root ('.' + $folderName + '.zip')
    try {
        Add-Type -AssemblyName System.IO.Compression.FileSystem
        if (Test-Path -LiteralPath $zipPath) { Remove-Item -LiteralPath $zipPath -Force }
        [System.IO.Compression.ZipFile]::CreateFromDirectory($backup, $zipPath)
        $zip = $zipPath
    }
    catch {
        $zipError = $_.Exception.Message
        if (Test-Path -LiteralPath $zipPath) { Remove-Item -LiteralPath $zipPath -Force -ErrorAction SilentlyContinue }
    }
}

$summary = [pscustomobject][ordered]@{
    folder           = $folderName
    path             = $backup
    manifest         = $manifestText
    previousFolder   = $previous
    previousManifest = $previousManifest
    deleted          = @($deleted)
    keptByMinimum    = @($keptByMinimum)
    retentionSkipped = $state.retentionSkipped
    leftovers        = @($leftovers)
    leftoversRemoved = @($leftoversRemoved)
    cleanupError     = $cleanupError
    zip              = $zip
    zipError         = $zipError
}
ConvertTo-Json -InputObject $summary -Depth 3 -Compress
