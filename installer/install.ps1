<#
.SYNOPSIS
  Registers clausewatch-host with Chromium-family browsers and Firefox on Windows.

.DESCRIPTION
  Windows finds a native-messaging host through a registry key <Key>\org.clausewatch.host whose default
  value is the full path of the host manifest (HKCU per user, HKLM with -System). This script copies the
  host into one folder, writes the two manifests there (Chromium family: allowed_origins; Firefox:
  allowed_extensions) from manifests/host.*.json.in, sets one key per browser, and writes a receipt that
  -Uninstall follows. The same table as installer/install.sh: the rows below must match
  manifests/browsers.json (tests/install checks it).

.EXAMPLE
  powershell -ExecutionPolicy Bypass -File installer\install.ps1 -HostPath build\release\clausewatch-host.exe
  powershell -ExecutionPolicy Bypass -File installer\install.ps1 -Browser firefox -DryRun
  powershell -ExecutionPolicy Bypass -File installer\install.ps1 -Uninstall
#>
[CmdletBinding()]
param(
  # Browser ids from manifests/browsers.json, or 'all'. Default: every browser whose vendor key exists.
  [string[]]$Browser = @(),
  # HKLM and %ProgramData% instead of HKCU and %LOCALAPPDATA% (run as administrator).
  [switch]$System,
  # Print what would be written; change nothing.
  [switch]$DryRun,
  # Remove exactly what the receipt lists.
  [switch]$Uninstall,
  # The built clausewatch-host.exe; default: the release build folder.
  [string]$HostPath = ''
)

Set-StrictMode -Version 3
$ErrorActionPreference = 'Stop'

$Repo = Split-Path -Parent $PSScriptRoot
$Ids = Get-Content -Raw -Path (Join-Path $Repo 'manifests\extension-ids.json') | ConvertFrom-Json
$HostName = $Ids.host_name

# The Windows rows of manifests/browsers.json. Brave, Vivaldi and Opera read Chrome's key.
$Browsers = @(
  @{ Id = 'chrome'; Family = 'chromium'; Key = 'SOFTWARE\Google\Chrome\NativeMessagingHosts' }
  @{ Id = 'chromium'; Family = 'chromium'; Key = 'SOFTWARE\Chromium\NativeMessagingHosts' }
  @{ Id = 'edge'; Family = 'chromium'; Key = 'SOFTWARE\Microsoft\Edge\NativeMessagingHosts' }
  @{ Id = 'brave'; Family = 'chromium'; Key = 'SOFTWARE\Google\Chrome\NativeMessagingHosts' }
  @{ Id = 'vivaldi'; Family = 'chromium'; Key = 'SOFTWARE\Google\Chrome\NativeMessagingHosts' }
  @{ Id = 'opera'; Family = 'chromium'; Key = 'SOFTWARE\Google\Chrome\NativeMessagingHosts' }
  @{ Id = 'firefox'; Family = 'firefox'; Key = 'SOFTWARE\Mozilla\NativeMessagingHosts' }
)

if ($System) {
  $Hive = 'HKLM:'
  $InstallDir = Join-Path $env:ProgramData 'ClauseWatch'
} else {
  $Hive = 'HKCU:'
  $InstallDir = Join-Path $env:LOCALAPPDATA 'ClauseWatch'
}
$ReceiptPath = Join-Path $InstallDir 'install-receipt.json'

function Say([string]$Text) { Write-Host "install.ps1: $Text" }

# ------------------------------------------------------------------------------------------------
# Uninstall: registry keys that still point at our manifest, then files, then the folder if empty.
# Parent keys such as ...\NativeMessagingHosts stay: other hosts may use them.
# ------------------------------------------------------------------------------------------------
if ($Uninstall) {
  if (-not (Test-Path -LiteralPath $ReceiptPath)) {
    Say "nothing to uninstall: no receipt at $ReceiptPath"
    exit 0
  }
  $Receipt = Get-Content -Raw -LiteralPath $ReceiptPath | ConvertFrom-Json
  foreach ($Entry in @($Receipt.keys)) {
    if (-not (Test-Path -LiteralPath $Entry.key)) { Say "already gone: $($Entry.key)"; continue }
    $Current = (Get-Item -LiteralPath $Entry.key).GetValue('')
    if ($Current -ne $Entry.value) { Say "points elsewhere now, left in place: $($Entry.key)"; continue }
    if ($DryRun) { Write-Host "would remove $($Entry.key)"; continue }
    Remove-Item -LiteralPath $Entry.key -Recurse
    Write-Host "removed $($Entry.key)"
  }
  foreach ($File in @($Receipt.files) + @($ReceiptPath)) {
    if (-not (Test-Path -LiteralPath $File)) { continue }
    if ($DryRun) { Write-Host "would remove $File"; continue }
    Remove-Item -LiteralPath $File
    Write-Host "removed $File"
  }
  if (-not $DryRun -and (Test-Path -LiteralPath $InstallDir) -and
      -not (Get-ChildItem -LiteralPath $InstallDir -Force | Select-Object -First 1)) {
    Remove-Item -LiteralPath $InstallDir
    Write-Host "removed folder $InstallDir"
  }
  exit 0
}

# ------------------------------------------------------------------------------------------------
# Which browsers
# ------------------------------------------------------------------------------------------------
$Known = $Browsers | ForEach-Object { $_.Id }
if ($Browser.Count -gt 0) {
  $Selected = @()
  foreach ($Name in $Browser) {
    if ($Name -eq 'all') { $Selected = @($Browsers); break }
    $Row = $Browsers | Where-Object { $_.Id -eq $Name }
    if (-not $Row) { throw "unknown browser '$Name'; known browsers: $($Known -join ', ')" }
    $Selected += $Row
  }
} else {
  # Detected = the vendor key (the parent of NativeMessagingHosts) exists in either hive.
  $Selected = @($Browsers | Where-Object {
      $Vendor = Split-Path -Parent $_.Key
      (Test-Path -LiteralPath "HKCU:\$Vendor") -or (Test-Path -LiteralPath "HKLM:\$Vendor")
    })
  if ($Selected.Count -eq 0) {
    throw "no supported browser detected; name one with -Browser (one of: $($Known -join ', '))"
  }
}

# ------------------------------------------------------------------------------------------------
# The host binary
# ------------------------------------------------------------------------------------------------
if (-not $HostPath) {
  $Candidates = @(
    (Join-Path $Repo 'build\release\native-host\Release\clausewatch-host.exe'),
    (Join-Path $Repo 'build\release\native-host\clausewatch-host.exe')
  )
  $HostPath = $Candidates | Where-Object { Test-Path -LiteralPath $_ } | Select-Object -First 1
  if (-not $HostPath) {
    throw "no built host found; build it (cmake -S . -B build\release; cmake --build build\release --config Release) or pass -HostPath"
  }
}
if (-not (Test-Path -LiteralPath $HostPath -PathType Leaf)) { throw "-HostPath $HostPath is not a file" }
$InstalledHost = Join-Path $InstallDir 'clausewatch-host.exe'

# ------------------------------------------------------------------------------------------------
# Manifests (one per family, shared by every browser of that family) and registry keys
# ------------------------------------------------------------------------------------------------
function Render-Manifest([string]$Family) {
  $Template = Get-Content -Raw -LiteralPath (Join-Path $Repo "manifests\host.$Family.json.in")
  # ConvertTo-Json escapes backslashes and quotes; strip its surrounding quotes.
  function Esc([string]$Value) { $J = ConvertTo-Json $Value; $J.Substring(1, $J.Length - 2) }
  $Text = $Template.Replace('@HOST_NAME@', (Esc $HostName))
  $Text = $Text.Replace('@HOST_PATH@', (Esc $InstalledHost))
  $Text = $Text.Replace('@CHROMIUM_EXTENSION_ID@', (Esc $Ids.chromium_extension_id))
  $Text = $Text.Replace('@GECKO_ID@', (Esc $Ids.gecko_id))
  $Text = $Text.Replace('@DESCRIPTION@', (Esc 'ClauseWatch: checks terms and privacy pages on this machine'))
  if ($Text -match '@[A-Z_]+@') { throw "manifests\host.$Family.json.in has an unknown placeholder" }
  $null = $Text | ConvertFrom-Json  # throws if the template did not render to JSON
  return $Text
}

$Files = @()
$Keys = @()
if ($DryRun) {
  Write-Host "would copy $HostPath to $InstalledHost"
} else {
  New-Item -ItemType Directory -Force -Path $InstallDir | Out-Null
  Copy-Item -LiteralPath $HostPath -Destination $InstalledHost -Force
  $Files += $InstalledHost
  Write-Host "wrote $InstalledHost"
}

$Families = $Selected | ForEach-Object { $_.Family } | Sort-Object -Unique
$ManifestPaths = @{}
foreach ($Family in $Families) {
  $Path = Join-Path $InstallDir "$HostName.$Family.json"
  $ManifestPaths[$Family] = $Path
  $Text = Render-Manifest $Family
  if ($DryRun) { Write-Host "would write ${Path}:"; Write-Host $Text; continue }
  # UTF-8 without a byte-order mark: browsers parse the file as plain JSON.
  [System.IO.File]::WriteAllText($Path, $Text, (New-Object System.Text.UTF8Encoding $false))
  $Files += $Path
  Write-Host "wrote $Path"
}

$Done = @{}
foreach ($Row in $Selected) {
  $KeyPath = "$Hive\$($Row.Key)\$HostName"
  if ($Done.ContainsKey($KeyPath)) { continue }  # Brave, Vivaldi and Opera share Chrome's key
  $Done[$KeyPath] = $true
  $Value = $ManifestPaths[$Row.Family]
  if ($DryRun) { Write-Host "would set $KeyPath (default) = $Value"; continue }
  New-Item -Path $KeyPath -Force | Out-Null
  Set-Item -Path $KeyPath -Value $Value
  $Keys += @{ key = $KeyPath; value = $Value }
  Write-Host "set $KeyPath = $Value"
}
if ($DryRun) { Write-Host "would write the receipt $ReceiptPath"; exit 0 }

# Check: every key resolves to a manifest whose path is the installed host.
foreach ($Entry in $Keys) {
  $Manifest = (Get-Item -LiteralPath $Entry.key).GetValue('')
  $Parsed = Get-Content -Raw -LiteralPath $Manifest | ConvertFrom-Json
  if (-not (Test-Path -LiteralPath $Parsed.path -PathType Leaf)) {
    throw "check failed: $($Entry.key) -> $Manifest names $($Parsed.path), which does not exist"
  }
}

# Merge with an earlier receipt so every install stays uninstallable.
$OldFiles = @()
$OldKeys = @()
if (Test-Path -LiteralPath $ReceiptPath) {
  $Old = Get-Content -Raw -LiteralPath $ReceiptPath | ConvertFrom-Json
  $OldFiles = @($Old.files)
  $OldKeys = @($Old.keys | Where-Object { -not $Done.ContainsKey($_.key) })
}
$Receipt = [ordered]@{
  format = 1
  tool = 'clausewatch installer/install.ps1'
  scope = $(if ($System) { 'system' } else { 'user' })
  host_name = $HostName
  files = @(@($OldFiles) + @($Files) | Sort-Object -Unique)
  keys = @(@($OldKeys) + @($Keys))
}
$Receipt | ConvertTo-Json -Depth 5 | Set-Content -LiteralPath $ReceiptPath -Encoding UTF8
Write-Host "wrote the receipt $ReceiptPath (install.ps1 -Uninstall removes what it lists)"
Write-Host ''
Write-Host "Registered $HostName for: $(($Selected | ForEach-Object { $_.Id }) -join ', ')"
Write-Host 'Load the extension: chrome://extensions (Developer mode, Load unpacked: build\extension\chromium),'
Write-Host 'or in Firefox about:debugging, This Firefox, Load Temporary Add-on: build\extension\firefox\manifest.json'
