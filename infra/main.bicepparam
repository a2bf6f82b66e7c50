// Example parameters for main.bicep. Copy, fill in, look at what would change, and deploy:
//   az deployment group what-if -g <group> -f infra/main.bicep -p infra/main.bicepparam
//   az deployment group create -g <group> -f infra/main.bicep -p infra/main.bicepparam
// As it stands, this file deploys no network integration, no alert rules (alertEmails) and
// no Graph permissions (grantGraphPermissions = false): each is opt-in, below or in the
// README's parameter table.
// Secrets never live in this file: they are read from environment variables at deploy
// time and stored in Key Vault; the app settings only hold Key Vault references.
using './main.bicep'

param baseName = 'tenantops'

// Network integration is opt-in. As this file stands, the app gets no VNet integration and
// reaches the MIM server (WinRM, port 5986) only if that server is reachable from the
// internet, which this template neither sets up nor advises. To reach it on its private
// address, uncomment ONE of the two blocks below and fill it in with your own network:
//
// (a) add a new integration subnet to the VNet that reaches the MIM server. The deploying
//     identity needs Network Contributor on that VNet's resource group; the prefix must be
//     free inside the VNet's address space (/27 or larger), or the deployment fails.
// param vnetName = 'vnet-identity'
// param vnetResourceGroupName = 'rg-identity-network'
// param integrationSubnetName = 'snet-tenantops'
// param integrationSubnetPrefix = '10.20.8.0/27'
//
// (b) use a subnet that already exists and is delegated to Microsoft.App/environments:
// param integrationSubnetId = '/subscriptions/<sub>/resourceGroups/<rg>/providers/Microsoft.Network/virtualNetworks/<vnet>/subnets/<subnet>'

// time: folder names and file-name tokens in the operators' zone; schedules below are UTC.
param opsTimeZone = 'AUS Eastern Standard Time'

// MIM server
param mimSyncServer = 'mimsync01.corp.example.com'
param mimSyncCredUser = 'CORP\\svc-mimbackup'
// The WinRM listener's certificate, exported as PEM next to this file (docs/operations.md):
// param mimSyncWinRMCACert = loadTextContent('mim-winrm.pem')

// backup: schedules are UTC on Flex; 13:30 UTC is 23:30 in Sydney in winter (AEST), 00:30 in summer (AEDT)
param mimBackupSchedule = '0 30 13 * * *'
param mimBackupRoot = 'D:\\MIMBackup'
param mimBackupContainer = 'mim-backups'

// FTP: the default schedule, 10:30 UTC
param ftpServer = 'ftp.partner.example.com'
param ftpUsername = 'corp-hr'
param ftpSourceDirectory = '/outbound'
param ftpTargetDirectory = 'D:\\MIMDrop\\HR'
param ftpFilePattern = 'HR_{yyyyMMdd}_*.csv'

// SharePoint, through the app's managed identity (Sites.Selected on this one site)
param spSiteUrl = 'https://contoso.sharepoint.com/sites/projects'
param spListTitle = 'Projects'
param spCleanupTargets = 'Tasks:Project;Documents:ParentItem'

// Entra ID export: change files to a folder on the MIM server, read by the PowerShell MA (docs/operations.md);
// Graph through the app's managed identity. grantGraphPermissions needs a deployer with
// AppRoleAssignment.ReadWrite.All and Application.Read.All; otherwise grant the two roles with PowerShell.
param entraExportDirectory = 'D:\\MIMDrop\\EntraDelta'
param grantGraphPermissions = false

// Secrets, read from environment variables at deploy time (an optional one may be left
// unset: a certificate left empty means the app's managed identity), and any required
// parameter the lines above do not set, as a placeholder to fill in.
// BEGIN GENERATED: required-params (make docs)
param mimSyncCredPassword = readEnvironmentVariable('MIM_SYNC_CRED_PASSWORD')
param ftpPassword = readEnvironmentVariable('FTP_PASSWORD')
param spClientCertificate = readEnvironmentVariable('SP_CLIENT_CERTIFICATE', '')
param entraClientCertificate = readEnvironmentVariable('ENTRA_CLIENT_CERTIFICATE', '')
// END GENERATED: required-params
