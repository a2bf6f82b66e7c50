# check.ps1: reports what MimConfigBackup needs on the MIM server: the PowerShell version, whether the Lithnet module
# and the FIMAutomation snap-in load, and whether the backup root is writable. Prints one JSON line.
param([string]$ParamsJson, $Lines)
$ErrorActionPreference = 'Stop'
$params = ConvertFrom-Json -InputObject $ParamsJson
function Test-Dependency([scriptblock]$Probe) {
    try {
        $detail = & $Probe
        return [pscustomobject]@{ ok = $true; detail = [string]$detail }
    }
    catch {
        return [pscustomobject]@{ ok = $false; detail = $_.Exception.Message }
    }
}
$lithnet = Test-Dependency {
    Import-Module LithnetMiisAutomation
    $module = Get-Module LithnetMiisAutomation
    'version ' + $module.Version
}
$fim = Test-Dependency {
    Add-PSSnapin FIMAutomation
    'loaded'
}
$root = Test-Dependency {
    $folder = [System.IO.Path]::GetFullPath([string]$params.root)
    [void][System.IO.Directory]::CreateDirectory($folder)
    $probe = Join-Path $folder ('.write-check-' + [guid]::NewGuid().ToString('N'))
    [System.IO.File]::WriteAllText($probe, 'check')
    Remove-Item -LiteralPath $probe -Force
    $folder
}
$result = [pscustomobject][ordered]@{
    psVersion     = $PSVersionTable.PSVersion.ToString()
    lithnet       = $lithnet
    fimAutomation = $fim
    rootWritable  = $root
}
ConvertTo-Json -InputObject $result -Depth 3 -Compress
