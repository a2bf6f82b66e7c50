// tenantops on Azure Functions Flex Consumption (Linux), deployed into one resource group:
// a user-assigned identity with five roles scoped to containers and queues where Azure
// allows, a storage account without shared keys, a second one for the off-site backups
// (immutable, geo-redundant), Log Analytics + Application Insights with Entra-only ingestion, a Key Vault
// (RBAC, soft delete, purge protection) for the secrets, optional VNet integration so
// WinRM reaches the MIM server on its private address, and the Function App itself with
// every app setting tenantops reads.
//
//   az deployment group create -g <group> -f infra/main.bicep -p infra/main.bicepparam
//
// The regions between "BEGIN GENERATED" and "END GENERATED" are written by `make docs`
// from the function declarations (functions/functions.go) and the settings catalog
// (internal/settings/catalog.go): one parameter and app setting per setting, a Key Vault
// secret per secret setting, the queues and containers, the alerts' function lists.
// Do not edit them by hand: infra/generate_test.go fails until they are regenerated.

// ---------------------------------------------------------------------------------------
// Names and platform
// ---------------------------------------------------------------------------------------

@description('Azure region for every resource (one where Flex Consumption is offered).')
param location string = resourceGroup().location

@description('Short name the resource names are built from: lowercase letters, digits and hyphens.')
@minLength(2)
@maxLength(20)
param baseName string = 'tenantops'

@description('Name of the Function App; globally unique, it is the host name.')
param appName string = '${baseName}-${uniqueString(resourceGroup().id, baseName)}'

@description('Tags for every resource.')
param tags object = {
  app: 'tenantops'
}

@description('Memory of each instance in MB.')
@allowed([512, 2048, 4096])
param instanceMemoryMB int = 2048

@description('Most instances the app scales out to.')
@minValue(40)
@maxValue(1000)
param maximumInstanceCount int = 40

@description('Days Log Analytics keeps logs.')
param logRetentionInDays int = 30

// ---------------------------------------------------------------------------------------
// Network (optional). Leave both empty for no VNet integration; then the MIM server must
// be reachable from the internet, which this template does not set up and does not advise.
// ---------------------------------------------------------------------------------------

@description('An existing subnet delegated to Microsoft.App/environments to integrate with; takes precedence over vnetName.')
param integrationSubnetId string = ''

@description('An existing virtual network that reaches the MIM server; a new integration subnet is added to it. Empty for none.')
param vnetName string = ''

@description('Resource group of vnetName.')
param vnetResourceGroupName string = resourceGroup().name

@description('Name of the new integration subnet in vnetName; no underscores.')
param integrationSubnetName string = 'snet-tenantops'

@description('Address prefix of the new integration subnet, inside vnetName\'s address space; /27 or larger.')
param integrationSubnetPrefix string = '10.0.250.0/27'

@description('integrationSubnetId already has the Microsoft.Storage service endpoint: close both storage accounts\' firewalls to all but it (a subnet this template creates gets the endpoint and closed firewalls anyway).')
param integrationSubnetHasStorageEndpoint bool = false

@description('Public IP ranges (CIDR) the closed storage firewalls also admit, e.g. the operators\' addresses for handler status and requeue.')
param storageAllowedIpRanges array = []

// ---------------------------------------------------------------------------------------
// Alerts (optional). With no e-mail receivers no alert rule is created.
// ---------------------------------------------------------------------------------------

@description('E-mail addresses that receive alerts (failed invocations, missed timer runs, poison messages, a change token or delta link close to expiry). Empty: no alert rules are created.')
param alertEmails array = []

// BEGIN GENERATED: heartbeat-params (make docs)
@description('MimConfigBackup heartbeat window: no successful run for this long raises an alert. ISO 8601, about two intervals of mimBackupSchedule; log alerts look back at most P2D.')
param mimBackupHeartbeatWindow string = 'P2D'

@description('FtpRetrieve heartbeat window: no successful run for this long raises an alert. ISO 8601, about two intervals of ftpSchedule; log alerts look back at most P2D.')
param ftpHeartbeatWindow string = 'P2D'

@description('SharePointChangePoll heartbeat window: no successful run for this long raises an alert. ISO 8601, about two intervals of spChangePollSchedule; log alerts look back at most P2D.')
param spChangePollHeartbeatWindow string = 'PT2H15M'

@description('EntraDeltaExport heartbeat window: no successful run for this long raises an alert. ISO 8601, about two intervals of entraDeltaSchedule; log alerts look back at most P2D.')
param entraDeltaHeartbeatWindow string = 'PT35M'
// END GENERATED: heartbeat-params

// ---------------------------------------------------------------------------------------
// App settings: one parameter per setting, named after it, with the code's default.
// ---------------------------------------------------------------------------------------

// BEGIN GENERATED: setting-params (make docs)
// time
@description('OpsTimeZone: IANA or Windows time zone for dated folders and file-name tokens; default WEBSITE_TIME_ZONE, else UTC.')
param opsTimeZone string = ''

// MIM server
@description('MIMSyncServer: host name or address of the MIM Sync server.')
param mimSyncServer string

@description('MIMSyncCredUser: account for WinRM (DOMAIN\\user or user@domain).')
param mimSyncCredUser string

@secure()
@description('MIMSyncCredPassword: password of MIMSyncCredUser; stored in Key Vault, the app setting references it.')
param mimSyncCredPassword string

@description('MIMSyncWinRMPort: WinRM listener port.')
@minValue(1)
@maxValue(65535)
param mimSyncWinRMPort int = 5986

@description('MIMSyncWinRMUseHTTPS: HTTPS listener (false only when plain HTTP is really intended).')
param mimSyncWinRMUseHTTPS bool = true

@description('MIMSyncWinRMCACert: PEM certificate(s) that the listener\'s certificate must chain to; default the system roots.')
param mimSyncWinRMCACert string = ''

@description('MIMSyncWinRMInsecureSkipVerify: skip certificate validation (logs a warning on every run).')
param mimSyncWinRMInsecureSkipVerify bool = false

@description('MIMSyncWinRMCertThumbprint: SHA-256 fingerprint (hex; colons or spaces allowed) of the listener\'s certificate: only that certificate is accepted, no chain or name check.')
param mimSyncWinRMCertThumbprint string = ''

@description('MIMSyncWinRMTLSServerName: name to check the listener\'s certificate against when MIMSyncServer is an address or alias.')
param mimSyncWinRMTLSServerName string = ''

// backup
@description('MIMBackupSchedule: NCRONTAB schedule of MimConfigBackup, in UTC.')
param mimBackupSchedule string = '0 30 23 * * *'

@description('MIMBackupRoot: folder on the MIM server that holds the dated backups.')
param mimBackupRoot string = 'C:\\Backup'

@description('MIMBackupFolderFormat: .NET date format of the backup folder name.')
param mimBackupFolderFormat string = 'yyyy-MM-dd-HHmm'

@description('MIMServiceUri: MIM Service address for Export-FIMConfig.')
param mimServiceUri string = 'http://localhost:5725'

@description('MIMExtensionsPath: the Sync service\'s Extensions folder.')
param mimExtensionsPath string = 'C:\\Program Files\\Microsoft Forefront Identity Manager\\2010\\Synchronization Service\\Extensions'

@description('MIMBackupRetentionDays: days to keep backups; 0 keeps all.')
@minValue(0)
param mimBackupRetentionDays int = 30

@description('MIMBackupContainer: blob container of the backup storage account (MIMBackupBlobServiceUri) for a zipped off-server copy; empty = none; created when named.')
param mimBackupContainer string = ''

@description('MIMBackupKeepMin: the newest complete backups always kept, however old.')
@minValue(1)
param mimBackupKeepMin int = 7

// FTP
@description('FTPServer: host[:port] of the FTP server.')
param ftpServer string

@description('FTPUsername: FTP user.')
param ftpUsername string

@secure()
@description('FTPPassword: FTP password; stored in Key Vault, the app setting references it.')
param ftpPassword string

@description('FTPSourceDirectory: directory to list on the server.')
param ftpSourceDirectory string = '/'

@description('FTPTargetDirectory: target folder (winrm: on the MIM server; local: on this machine).')
param ftpTargetDirectory string = ''

@description('FTPSchedule: NCRONTAB schedule of FtpRetrieve, in UTC.')
param ftpSchedule string = '0 30 10 * * *'

@description('FTPFilePattern: glob with .NET date tokens, e.g. HR_{yyyyMMdd}_*.csv or {yyyyMMdd:-1d}.')
param ftpFilePattern string = '*'

@description('FTPTargetSubfolder: subfolder under the target, with date tokens; empty = none.')
param ftpTargetSubfolder string = '{yyyy-MM-dd}'

@description('FTPTarget: where files go: the MIM server over WinRM, a blob container, or a folder on this machine.')
@allowed(['winrm', 'blob', 'local'])
param ftpTarget string = 'winrm'

@description('FTPTargetContainer: blob container of AzureWebJobsStorage to deliver into; created when named.')
param ftpTargetContainer string = ''

@description('FTPTLS: FTPS mode; none sends the password in clear text.')
@allowed(['explicit', 'implicit', 'none'])
param ftpTLS string = 'explicit'

@description('FTPMaxConnections: parallel FTP connections.')
@minValue(1)
param ftpMaxConnections int = 4

@description('FTPMinFileAge: skip files modified more recently than this (still being written).')
param ftpMinFileAge string = '2m'

@description('FTPCACert: PEM certificate(s) that the FTP server\'s certificate must chain to; default the system roots.')
param ftpCACert string = ''

@description('FTPTimeout: longest wait for any single read or write on an FTP connection.')
param ftpTimeout string = '1m'

// SharePoint
@description('SPSiteUrl: https://<tenant>.sharepoint.com/sites/<site>.')
param spSiteUrl string

@description('SPListTitle: title of the list whose deletes are watched.')
param spListTitle string

@description('SPChangePollSchedule: NCRONTAB schedule of SharePointChangePoll, in UTC.')
param spChangePollSchedule string = '0 0 * * * *'

@description('SPCleanupQueue: queue of deleted items; it and its -poison queue are created.')
param spCleanupQueue string = 'sp-deleted-items'

@description('SPStateContainer: blob container holding the change token; created.')
param spStateContainer string = 'sp-changelog'

@description('SPCleanupTargets: List:LookupColumn pairs separated by \';\', e.g. Tasks:Project;Documents:ParentItem.')
param spCleanupTargets string = ''

@description('SPCleanupMode: recycle (restorable from the recycle bin) or delete (permanent).')
@allowed(['recycle', 'delete'])
param spCleanupMode string = 'recycle'

@description('SPTenantId: certificate auth: Entra tenant id.')
param spTenantId string = ''

@description('SPClientId: certificate auth: app (client) id.')
param spClientId string = ''

@secure()
@description('SPClientCertificate: certificate auth: PEM or base64 PFX with the private key; stored in Key Vault when given (pass an empty string for none).')
param spClientCertificate string

// Entra
@description('EntraDeltaSchedule: NCRONTAB schedule of EntraDeltaExport, in UTC.')
param entraDeltaSchedule string = '0 */15 * * * *'

@description('EntraUserAttributes: comma list of Graph user properties exported ($select); id always.')
param entraUserAttributes string = 'displayName,givenName,surname,userPrincipalName,mail,accountEnabled,jobTitle,department'

@description('EntraGroupAttributes: comma list of Graph group properties exported ($select); id and members always.')
param entraGroupAttributes string = 'displayName,description,mail,mailNickname,mailEnabled,securityEnabled,groupTypes'

@description('EntraExportTarget: where change files go: the MIM server over WinRM, a blob container, or a folder on this machine.')
@allowed(['winrm', 'blob', 'local'])
param entraExportTarget string = 'winrm'

@description('EntraExportDirectory: folder of the change files (winrm: on the MIM server; local: on this machine).')
param entraExportDirectory string = ''

@description('EntraExportContainer: blob container of the change files when EntraExportTarget=blob; created when named.')
param entraExportContainer string = ''

@description('EntraStateContainer: blob container holding the delta links, the replica and staged files; created.')
param entraStateContainer string = 'entra-delta'

@description('EntraExportRetentionDays: days to keep change files; the newest full file and those after it are always kept; 0 keeps all.')
@minValue(0)
param entraExportRetentionDays int = 14

@description('EntraGraphEndpoint: Microsoft Graph endpoint (national clouds differ).')
param entraGraphEndpoint string = 'https://graph.microsoft.com'

@description('EntraAuthorityHost: Entra sign-in authority of the certificate credential, the pair of EntraGraphEndpoint (national clouds differ).')
param entraAuthorityHost string = 'https://login.microsoftonline.com'

@description('EntraTenantId: certificate auth: Entra tenant id.')
param entraTenantId string = ''

@description('EntraClientId: certificate auth: app (client) id.')
param entraClientId string = ''

@secure()
@description('EntraClientCertificate: certificate auth: PEM or base64 PFX with the private key; stored in Key Vault when given (pass an empty string for none).')
param entraClientCertificate string
// END GENERATED: setting-params

// ---------------------------------------------------------------------------------------
// Backup storage: MimConfigBackup's off-site copies, in an account of their own.
// ---------------------------------------------------------------------------------------

@description('Redundancy of the backup storage account.')
@allowed(['Standard_LRS', 'Standard_ZRS', 'Standard_GRS', 'Standard_GZRS', 'Standard_RAGRS', 'Standard_RAGZRS'])
param backupStorageRedundancy string = 'Standard_GRS'

@description('Days each off-site backup stays immutable (no delete, no change, by anyone) after it is written; default the retention, 365 when mimBackupRetentionDays keeps all.')
@minValue(1)
@maxValue(146000)
param mimBackupImmutabilityDays int = mimBackupRetentionDays > 0 ? mimBackupRetentionDays : 365

@description('Lock the backup account\'s time-based retention policy: then not even an owner of the subscription can shorten it or delete a backup before its time. Irreversible.')
param lockBackupImmutabilityPolicy bool = false

@description('Grant the app\'s identity the Graph application permissions EntraDeltaExport needs (User.Read.All, GroupMember.Read.All) with the Microsoft Graph Bicep extension. The deploying identity needs AppRoleAssignment.ReadWrite.All and Application.Read.All in Entra ID; otherwise leave false and grant them as docs/operations.md shows.')
param grantGraphPermissions bool = false

// ---------------------------------------------------------------------------------------
// Resources
// ---------------------------------------------------------------------------------------

var token = uniqueString(resourceGroup().id, baseName)
var compactName = take(toLower(replace(baseName, '-', '')), 9)
var storageAccountName = 'st${compactName}${token}'
var backupStorageAccountName = 'bk${compactName}${token}'
var backupContainerName = empty(mimBackupContainer) ? 'mim-config-backups' : mimBackupContainer
var keyVaultName = 'kv${compactName}${token}'
var deploymentContainerName = 'deployment-package'
var createSubnet = empty(integrationSubnetId) && !empty(vnetName)

// Containers whose names are fixed in the code: FtpRetrieve's record of delivered files,
// and the run records `handler status` reads.
var fixedContainerNames = [
  'ftpretrieve-state'
  'tenantops-status'
]

// The Functions host's own containers (leases and timer state; keys), created up front so
// that the identity's blob role can be scoped to each container instead of the account.
var hostContainerNames = [
  'azure-webjobs-hosts'
  'azure-webjobs-secrets'
]

// BEGIN GENERATED: vars (make docs)
var storeSpClientCertificate = !empty(spClientCertificate)
var storeEntraClientCertificate = !empty(entraClientCertificate)

// Every blob container tenantops uses on the host account, created up front; optional ones
// only when named. A backup container is in the backup account instead.
var blobContainerNames = union([deploymentContainerName, spStateContainer, entraStateContainer], fixedContainerNames, empty(ftpTargetContainer) ? [] : [ftpTargetContainer], empty(entraExportContainer) ? [] : [entraExportContainer])

// Every queue tenantops uses, with the -poison queue the host moves failed messages to.
var queueNames = [
  spCleanupQueue
  '${spCleanupQueue}-poison'
]
// END GENERATED: vars

resource identity 'Microsoft.ManagedIdentity/userAssignedIdentities@2023-01-31' = {
  name: 'id-${baseName}-${token}'
  location: location
  tags: tags
}

module monitoring 'modules/monitoring.bicep' = {
  name: 'monitoring'
  params: {
    location: location
    tags: tags
    workspaceName: 'log-${baseName}-${token}'
    appInsightsName: 'appi-${baseName}-${token}'
    retentionInDays: logRetentionInDays
  }
}

module storage 'modules/storage.bicep' = {
  name: 'storage'
  params: {
    location: location
    tags: tags
    name: storageAccountName
    containerNames: union(hostContainerNames, blobContainerNames)
    queueNames: queueNames
    allowedSubnetId: storageFirewallSubnetId
    allowedIpRanges: storageAllowedIpRanges
  }
}

module backupStorage 'modules/backupstorage.bicep' = {
  name: 'backupstorage'
  params: {
    location: location
    tags: tags
    name: backupStorageAccountName
    containerName: backupContainerName
    redundancy: backupStorageRedundancy
    immutabilityDays: mimBackupImmutabilityDays
    lockPolicy: lockBackupImmutabilityPolicy
    deleteAfterDays: mimBackupRetentionDays
    allowedSubnetId: storageFirewallSubnetId
    allowedIpRanges: storageAllowedIpRanges
  }
}

module keyVault 'modules/keyvault.bicep' = {
  name: 'keyvault'
  params: {
    location: location
    tags: tags
    name: keyVaultName
    // BEGIN GENERATED: keyvault-params (make docs)
    mimSyncCredPassword: mimSyncCredPassword
    ftpPassword: ftpPassword
    spClientCertificate: spClientCertificate
    storeSpClientCertificate: storeSpClientCertificate
    entraClientCertificate: entraClientCertificate
    storeEntraClientCertificate: storeEntraClientCertificate
    // END GENERATED: keyvault-params
  }
}

module roles 'modules/roles.bicep' = {
  name: 'roles'
  params: {
    principalId: identity.properties.principalId
    storageAccountName: storage.outputs.name
    containerNames: union(hostContainerNames, blobContainerNames)
    queueNames: queueNames
    backupStorageAccountName: backupStorage.outputs.name
    backupContainerName: backupStorage.outputs.containerName
    appInsightsName: monitoring.outputs.appInsightsName
    keyVaultName: keyVault.outputs.name
  }
}

module network 'modules/network.bicep' = if (createSubnet) {
  name: 'network'
  scope: resourceGroup(vnetResourceGroupName)
  params: {
    location: location
    tags: tags
    vnetName: vnetName
    subnetName: integrationSubnetName
    subnetPrefix: integrationSubnetPrefix
  }
}

// Graph application permissions for EntraDeltaExport: app role assignments in Entra ID, not Azure RBAC.
module graphPermissions 'modules/graphpermissions.bicep' = if (grantGraphPermissions) {
  name: 'graphpermissions'
  params: {
    principalId: identity.properties.principalId
  }
}

var subnetId = !empty(integrationSubnetId) ? integrationSubnetId : (createSubnet ? network.outputs.subnetId : '')

// The subnet the storage firewalls admit (empty: firewalls open): the subnet created here,
// which has the Microsoft.Storage service endpoint, or a given one said to have it.
var storageFirewallSubnetId = createSubnet ? network.outputs.subnetId : (integrationSubnetHasStorageEndpoint ? integrationSubnetId : '')

// Settings the code reads that this template leaves unset on purpose. drift_test.go reads
// this block: each line is "optional-setting NAME: why".
//
// optional-setting AzureWebJobsStorage: storage is identity-based (the AzureWebJobsStorage__ settings); a connection string would need a key, and an empty value breaks identity-based storage.
// optional-setting AzureWebJobsStorage__accountName: the blob, queue and table service URIs are set instead.
// optional-setting WEBSITE_TIME_ZONE: not supported on Flex Consumption (schedules are UTC); OpsTimeZone names the zone for folder names and file-name tokens.

var appSettings = {
  // Host storage, identity-based, through the user-assigned identity.
  AzureWebJobsStorage__credential: 'managedidentity'
  AzureWebJobsStorage__clientId: identity.properties.clientId
  AzureWebJobsStorage__blobServiceUri: storage.outputs.blobEndpoint
  AzureWebJobsStorage__queueServiceUri: storage.outputs.queueEndpoint
  AzureWebJobsStorage__tableServiceUri: storage.outputs.tableEndpoint

  // The backup account's blob endpoint, reached with the same identity (MimConfigBackup's off-site copy).
  MIMBackupBlobServiceUri: backupStorage.outputs.blobEndpoint

  // Telemetry with Entra authentication (local auth is off on the component).
  APPLICATIONINSIGHTS_CONNECTION_STRING: monitoring.outputs.connectionString
  APPLICATIONINSIGHTS_AUTHENTICATION_STRING: 'ClientId=${identity.properties.clientId};Authorization=AAD'

  // Every setting of the catalog the template sets, from make docs.
  // BEGIN GENERATED: app-settings (make docs)
  // time
  OpsTimeZone: opsTimeZone

  // MIM server
  MIMSyncServer: mimSyncServer
  MIMSyncCredUser: mimSyncCredUser
  MIMSyncCredPassword: '@Microsoft.KeyVault(SecretUri=${keyVault.outputs.mimSyncCredPasswordUri})'
  MIMSyncWinRMPort: string(mimSyncWinRMPort)
  MIMSyncWinRMUseHTTPS: mimSyncWinRMUseHTTPS ? 'true' : 'false'
  MIMSyncWinRMCACert: mimSyncWinRMCACert
  MIMSyncWinRMInsecureSkipVerify: mimSyncWinRMInsecureSkipVerify ? 'true' : 'false'
  MIMSyncWinRMCertThumbprint: mimSyncWinRMCertThumbprint
  MIMSyncWinRMTLSServerName: mimSyncWinRMTLSServerName

  // backup
  MIMBackupSchedule: mimBackupSchedule
  MIMBackupRoot: mimBackupRoot
  MIMBackupFolderFormat: mimBackupFolderFormat
  MIMServiceUri: mimServiceUri
  MIMExtensionsPath: mimExtensionsPath
  MIMBackupRetentionDays: string(mimBackupRetentionDays)
  MIMBackupContainer: mimBackupContainer
  MIMBackupKeepMin: string(mimBackupKeepMin)

  // FTP
  FTPServer: ftpServer
  FTPUsername: ftpUsername
  FTPPassword: '@Microsoft.KeyVault(SecretUri=${keyVault.outputs.ftpPasswordUri})'
  FTPSourceDirectory: ftpSourceDirectory
  FTPTargetDirectory: ftpTargetDirectory
  FTPSchedule: ftpSchedule
  FTPFilePattern: ftpFilePattern
  FTPTargetSubfolder: ftpTargetSubfolder
  FTPTarget: ftpTarget
  FTPTargetContainer: ftpTargetContainer
  FTPTLS: ftpTLS
  FTPMaxConnections: string(ftpMaxConnections)
  FTPMinFileAge: ftpMinFileAge
  FTPCACert: ftpCACert
  FTPTimeout: ftpTimeout

  // SharePoint
  SPSiteUrl: spSiteUrl
  SPListTitle: spListTitle
  SPChangePollSchedule: spChangePollSchedule
  SPCleanupQueue: spCleanupQueue
  SPStateContainer: spStateContainer
  SPCleanupTargets: spCleanupTargets
  SPCleanupMode: spCleanupMode
  SPTenantId: spTenantId
  SPClientId: spClientId
  SPClientCertificate: storeSpClientCertificate ? '@Microsoft.KeyVault(SecretUri=${keyVault.outputs.spClientCertificateUri})' : ''
  SPManagedIdentityClientId: identity.properties.clientId

  // Entra
  EntraDeltaSchedule: entraDeltaSchedule
  EntraUserAttributes: entraUserAttributes
  EntraGroupAttributes: entraGroupAttributes
  EntraExportTarget: entraExportTarget
  EntraExportDirectory: entraExportDirectory
  EntraExportContainer: entraExportContainer
  EntraStateContainer: entraStateContainer
  EntraExportRetentionDays: string(entraExportRetentionDays)
  EntraGraphEndpoint: entraGraphEndpoint
  EntraAuthorityHost: entraAuthorityHost
  EntraTenantId: entraTenantId
  EntraClientId: entraClientId
  EntraClientCertificate: storeEntraClientCertificate ? '@Microsoft.KeyVault(SecretUri=${keyVault.outputs.entraClientCertificateUri})' : ''
  EntraManagedIdentityClientId: identity.properties.clientId
  // END GENERATED: app-settings
}

// Alerts: one "failed invocation" rule per function, one heartbeat per timer function, and
// limits on figures from the run summary lines. Each heartbeat's window defaults to about
// two intervals of its schedule's default.
// BEGIN GENERATED: alerts (make docs)
var functionNames = [
  'MimConfigBackup'
  'FtpRetrieve'
  'SharePointChangePoll'
  'SharePointCleanup'
  'EntraDeltaExport'
]

var heartbeats = [
  {
    function: 'MimConfigBackup'
    schedule: mimBackupSchedule
    window: mimBackupHeartbeatWindow
    frequency: 'PT1H'
  }
  {
    function: 'FtpRetrieve'
    schedule: ftpSchedule
    window: ftpHeartbeatWindow
    frequency: 'PT1H'
  }
  {
    function: 'SharePointChangePoll'
    schedule: spChangePollSchedule
    window: spChangePollHeartbeatWindow
    frequency: 'PT15M'
  }
  {
    function: 'EntraDeltaExport'
    schedule: entraDeltaSchedule
    window: entraDeltaHeartbeatWindow
    frequency: 'PT15M'
  }
]
// END GENERATED: alerts

var figureLimits = [
  {
    function: 'SharePointChangePoll'
    figure: 'poisonQueueDepth'
    limit: 0
    window: 'PT2H'
    frequency: 'PT15M'
    why: 'Messages are on the ${spCleanupQueue}-poison queue: cleanups failed five times and wait for an operator (handler requeue ${spCleanupQueue} once the cause is fixed).'
  }
  {
    function: 'SharePointChangePoll'
    figure: 'tokenAgeHours'
    limit: 1080
    window: 'PT6H'
    frequency: 'PT1H'
    why: 'The SharePoint change token is over 45 days old; SharePoint keeps its change log for 60 days, after which deletes before the token are lost.'
  }
  {
    function: 'EntraDeltaExport'
    figure: 'deltaLinkAgeHours'
    limit: 120
    window: 'PT6H'
    frequency: 'PT1H'
    why: 'The Entra delta link is over 5 days old; Graph keeps delta tokens for 7 days, after which a full round and a MIM Full Import are needed.'
  }
]

module alerts 'modules/alerts.bicep' = if (!empty(alertEmails)) {
  name: 'alerts'
  params: {
    location: location
    tags: tags
    appInsightsId: monitoring.outputs.appInsightsId
    baseName: baseName
    alertEmails: alertEmails
    functionNames: functionNames
    heartbeats: heartbeats
    figureLimits: figureLimits
  }
}

module functionApp 'modules/functionapp.bicep' = {
  name: 'functionapp'
  params: {
    location: location
    tags: tags
    planName: 'plan-${baseName}-${token}'
    appName: appName
    identityId: identity.id
    blobEndpoint: storage.outputs.blobEndpoint
    deploymentContainerName: deploymentContainerName
    instanceMemoryMB: instanceMemoryMB
    maximumInstanceCount: maximumInstanceCount
    subnetId: subnetId
    appSettings: appSettings
  }
  // The identity must hold its roles before the host starts and resolves Key Vault references.
  dependsOn: [
    roles
  ]
}

// ---------------------------------------------------------------------------------------
// Outputs: what the README's manual steps need.
// ---------------------------------------------------------------------------------------

@description('Function App name, for config-zip and the admin endpoint.')
output functionAppName string = functionApp.outputs.name

@description('Function App host name.')
output functionAppHostName string = functionApp.outputs.defaultHostName

@description('Client id of the app\'s identity (Sites.Selected site grant).')
output identityClientId string = identity.properties.clientId

@description('Object id of the app\'s identity (Graph app role assignment).')
output identityPrincipalId string = identity.properties.principalId

@description('Storage account name (queues, state, poison messages).')
output storageAccountName string = storage.outputs.name

@description('Backup storage account name (off-site MIM configuration backups).')
output backupStorageAccountName string = backupStorage.outputs.name

@description('Key Vault name (secret rotation).')
output keyVaultName string = keyVault.outputs.name

@description('Integration subnet id, or empty without VNet integration.')
output integrationSubnetId string = subnetId
