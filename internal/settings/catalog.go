package settings

import "time"

// The catalog: every app setting tenantops reads, with its default and
// rules. Names from the original scripts are kept verbatim.

// Storage.
var (
	Storage = Spec{Name: "AzureWebJobsStorage", Example: "UseDevelopmentStorage=true", Secret: true, Area: "storage", Deploy: DeployTemplate,
		Help: "connection string, UseDevelopmentStorage=true, or empty for identity-based storage"}
	StorageAccountName = Spec{Name: "AzureWebJobsStorage__accountName", Deploy: DeployTemplate, Area: "storage",
		Help: "identity-based storage: the account name (endpoints inferred for the public cloud)"}
	StorageBlobServiceURI = Spec{Name: "AzureWebJobsStorage__blobServiceUri", Deploy: DeployTemplate, Kind: HTTPURL, Area: "storage",
		Help: "identity-based storage: the blob endpoint"}
	StorageQueueServiceURI = Spec{Name: "AzureWebJobsStorage__queueServiceUri", Deploy: DeployTemplate, Kind: HTTPURL, Area: "storage",
		Help: "identity-based storage: the queue endpoint"}
	StorageCredential = Spec{Name: "AzureWebJobsStorage__credential", Deploy: DeployTemplate, Kind: Enum, Allowed: []string{"managedidentity"}, Area: "storage",
		Help: "identity-based storage: managedidentity, or empty for the default credential chain"}
	StorageClientID = Spec{Name: "AzureWebJobsStorage__clientId", Deploy: DeployTemplate, Area: "storage",
		Help: "identity-based storage: client id of a user-assigned managed identity"}
)

// Time.
var (
	OpsTimeZone = Spec{Name: "OpsTimeZone", Kind: TimeZone, Area: "time",
		Help: "IANA or Windows time zone for dated folders and file-name tokens; default WEBSITE_TIME_ZONE, else UTC"}
	WebsiteTimeZone = Spec{Name: "WEBSITE_TIME_ZONE", Deploy: DeployTemplate, Kind: TimeZone, Area: "time",
		Help: "platform setting, read only as the fallback for OpsTimeZone (ignored by Linux Consumption and Flex)"}
)

// MIM server (WinRM).
var (
	MIMSyncServer                  = Spec{Name: "MIMSyncServer", Required: true, Area: "MIM server", Help: "host name or address of the MIM Sync server"}
	MIMSyncCredUser                = Spec{Name: "MIMSyncCredUser", Required: true, Area: "MIM server", Help: `account for WinRM (DOMAIN\user or user@domain)`}
	MIMSyncCredPassword            = Spec{Name: "MIMSyncCredPassword", Required: true, Secret: true, Area: "MIM server", Help: "password of MIMSyncCredUser (a Key Vault reference)"}
	MIMSyncWinRMPort               = Spec{Name: "MIMSyncWinRMPort", Kind: Port, Default: "5986", Area: "MIM server", Help: "WinRM listener port"}
	MIMSyncWinRMUseHTTPS           = Spec{Name: "MIMSyncWinRMUseHTTPS", Kind: Bool, Default: "true", Area: "MIM server", Help: "HTTPS listener (false only when plain HTTP is really intended)"}
	MIMSyncWinRMCACert             = Spec{Name: "MIMSyncWinRMCACert", Kind: Certificates, Area: "MIM server", Help: "PEM certificate(s) that the listener's certificate must chain to; default the system roots"}
	MIMSyncWinRMInsecureSkipVerify = Spec{Name: "MIMSyncWinRMInsecureSkipVerify", Kind: Bool, Default: "false", Area: "MIM server",
		Help: "skip certificate validation (logs a warning on every run)"}
	MIMSyncWinRMCertThumbprint = Spec{Name: "MIMSyncWinRMCertThumbprint", Kind: Fingerprint, Area: "MIM server",
		Help: "SHA-256 fingerprint (hex; colons or spaces allowed) of the listener's certificate: only that certificate is accepted, no chain or name check"}
	MIMSyncWinRMTLSServerName = Spec{Name: "MIMSyncWinRMTLSServerName", Area: "MIM server",
		Help: "name to check the listener's certificate against when MIMSyncServer is an address or alias"}
)

// MIM configuration backup.
var (
	MIMBackupSchedule      = Spec{Name: "MIMBackupSchedule", Kind: Schedule, Default: "0 30 23 * * *", Area: "backup", Help: "NCRONTAB schedule of MimConfigBackup"}
	MIMBackupRoot          = Spec{Name: "MIMBackupRoot", Default: `C:\Backup`, Area: "backup", Help: "folder on the MIM server that holds the dated backups"}
	MIMBackupFolderFormat  = Spec{Name: "MIMBackupFolderFormat", Kind: FolderDateFormat, Default: "yyyy-MM-dd-HHmm", Area: "backup", Help: ".NET date format of the backup folder name"}
	MIMServiceUri          = Spec{Name: "MIMServiceUri", Kind: HTTPURL, Default: "http://localhost:5725", Area: "backup", Help: "MIM Service address for Export-FIMConfig"}
	MIMExtensionsPath      = Spec{Name: "MIMExtensionsPath", Default: `C:\Program Files\Microsoft Forefront Identity Manager\2010\Synchronization Service\Extensions`, Area: "backup", Help: "the Sync service's Extensions folder"}
	MIMBackupRetentionDays = Spec{Name: "MIMBackupRetentionDays", Kind: Int, Default: "30", Area: "backup", Help: "days to keep backups; 0 keeps all"}
	MIMBackupContainer     = Spec{Name: "MIMBackupContainer", Kind: ContainerName, BackupAccount: true, Area: "backup", Help: "blob container of the backup storage account (MIMBackupBlobServiceUri) for a zipped off-server copy; empty = none"}
	MIMBackupKeepMin       = Spec{Name: "MIMBackupKeepMin", Kind: Int, Min: 1, Default: "7", Area: "backup", Help: "the newest complete backups always kept, however old"}
)

// MIMBackupBlobServiceURI points MimConfigBackup's off-site copy at the backup
// storage account, an account of its own (infra/modules/backupstorage.bicep).
var MIMBackupBlobServiceURI = Spec{Name: "MIMBackupBlobServiceUri", Kind: HTTPURL, Deploy: DeployTemplate, Area: "backup",
	Help: "blob endpoint of the backup storage account that holds MIMBackupContainer, reached with the AzureWebJobsStorage identity; empty = the AzureWebJobsStorage account"}

// FTP retrieval.
var (
	FTPServer          = Spec{Name: "FTPServer", Required: true, Area: "FTP", Help: "host[:port] of the FTP server"}
	FTPUsername        = Spec{Name: "FTPUsername", Required: true, Area: "FTP", Help: "FTP user"}
	FTPPassword        = Spec{Name: "FTPPassword", Required: true, Secret: true, Area: "FTP", Help: "FTP password (a Key Vault reference)"}
	FTPSourceDirectory = Spec{Name: "FTPSourceDirectory", Default: "/", Area: "FTP", Help: "directory to list on the server"}
	FTPTargetDirectory = Spec{Name: "FTPTargetDirectory", RequiredWhen: []Condition{{Setting: "FTPTarget", Values: []string{"winrm", "local"}}}, Area: "FTP", Help: "target folder (winrm: on the MIM server; local: on this machine)"}
	FTPSchedule        = Spec{Name: "FTPSchedule", Kind: Schedule, Default: "0 30 10 * * *", Area: "FTP", Help: "NCRONTAB schedule of FtpRetrieve"}
	FTPFilePattern     = Spec{Name: "FTPFilePattern", Default: "*", Area: "FTP", Help: "glob with .NET date tokens, e.g. HR_{yyyyMMdd}_*.csv or {yyyyMMdd:-1d}"}
	FTPTargetSubfolder = Spec{Name: "FTPTargetSubfolder", Default: "{yyyy-MM-dd}", Area: "FTP", Help: "subfolder under the target, with date tokens; empty = none"}
	FTPTarget          = Spec{Name: "FTPTarget", Kind: Enum, Allowed: []string{"winrm", "blob", "local"}, Default: "winrm", Area: "FTP", Help: "where files go: the MIM server over WinRM, a blob container, or a folder on this machine"}
	FTPTargetContainer = Spec{Name: "FTPTargetContainer", Kind: ContainerName, RequiredWhen: []Condition{{Setting: "FTPTarget", Values: []string{"blob"}}}, Area: "FTP", Help: "blob container of AzureWebJobsStorage to deliver into"}
	FTPTLS             = Spec{Name: "FTPTLS", Param: "ftpTLS", Kind: Enum, Allowed: []string{"explicit", "implicit", "none"}, Default: "explicit", Area: "FTP", Help: "FTPS mode; none sends the password in clear text"}
	FTPMaxConnections  = Spec{Name: "FTPMaxConnections", Kind: Int, Min: 1, Default: "4", Area: "FTP", Help: "parallel FTP connections"}
	FTPMinFileAge      = Spec{Name: "FTPMinFileAge", Kind: Duration, Default: "2m", Area: "FTP", Help: "skip files modified more recently than this (still being written)"}
	FTPCACert          = Spec{Name: "FTPCACert", Param: "ftpCACert", Kind: Certificates, Area: "FTP", Help: "PEM certificate(s) that the FTP server's certificate must chain to; default the system roots"}
	FTPTimeout         = Spec{Name: "FTPTimeout", Kind: Duration, Default: "1m", Area: "FTP", Help: "longest wait for any single read or write on an FTP connection"}
)

// SharePoint.
var (
	SPSiteUrl                 = Spec{Name: "SPSiteUrl", Kind: HTTPSURL, Example: "https://<tenant>.sharepoint.com/sites/<site>", Required: true, Area: "SharePoint", Help: "https://<tenant>.sharepoint.com/sites/<site>"}
	SPListTitle               = Spec{Name: "SPListTitle", Required: true, Area: "SharePoint", Help: "title of the list whose deletes are watched"}
	SPChangePollSchedule      = Spec{Name: "SPChangePollSchedule", Kind: Schedule, Default: "0 0 * * * *", Area: "SharePoint", Help: "NCRONTAB schedule of SharePointChangePoll"}
	SPCleanupQueue            = Spec{Name: "SPCleanupQueue", Kind: QueueName, Default: "sp-deleted-items", Area: "SharePoint", Help: "queue of deleted items"}
	SPStateContainer          = Spec{Name: "SPStateContainer", Kind: ContainerName, Default: "sp-changelog", Area: "SharePoint", Help: "blob container holding the change token"}
	SPCleanupTargets          = Spec{Name: "SPCleanupTargets", Example: "Tasks:Project;Documents:ParentItem", Area: "SharePoint", Help: "List:LookupColumn pairs separated by ';', e.g. Tasks:Project;Documents:ParentItem"}
	SPCleanupMode             = Spec{Name: "SPCleanupMode", Kind: Enum, Allowed: []string{"recycle", "delete"}, Default: "recycle", Area: "SharePoint", Help: "recycle (restorable from the recycle bin) or delete (permanent)"}
	SPTenantId                = Spec{Name: "SPTenantId", RequiredWhen: []Condition{{Setting: "SPClientId"}, {Setting: "SPClientCertificate"}}, Area: "SharePoint", Help: "certificate auth: Entra tenant id"}
	SPClientId                = Spec{Name: "SPClientId", RequiredWhen: []Condition{{Setting: "SPTenantId"}, {Setting: "SPClientCertificate"}}, Area: "SharePoint", Help: "certificate auth: app (client) id"}
	SPClientCertificate       = Spec{Name: "SPClientCertificate", RequiredWhen: []Condition{{Setting: "SPTenantId"}, {Setting: "SPClientId"}}, Secret: true, Area: "SharePoint", Help: "certificate auth: PEM or base64 PFX with the private key (a Key Vault reference)"}
	SPManagedIdentityClientId = Spec{Name: "SPManagedIdentityClientId", Deploy: DeployIdentity, Area: "SharePoint", Help: "client id of a user-assigned managed identity (else system-assigned)"}
)

// Entra ID export (EntraDeltaExport).
var (
	EntraDeltaSchedule       = Spec{Name: "EntraDeltaSchedule", Kind: Schedule, Default: "0 */15 * * * *", Area: "Entra", Help: "NCRONTAB schedule of EntraDeltaExport"}
	EntraUserAttributes      = Spec{Name: "EntraUserAttributes", Default: "displayName,givenName,surname,userPrincipalName,mail,accountEnabled,jobTitle,department", Area: "Entra", Help: "comma list of Graph user properties exported ($select); id always"}
	EntraGroupAttributes     = Spec{Name: "EntraGroupAttributes", Default: "displayName,description,mail,mailNickname,mailEnabled,securityEnabled,groupTypes", Area: "Entra", Help: "comma list of Graph group properties exported ($select); id and members always"}
	EntraExportTarget        = Spec{Name: "EntraExportTarget", Kind: Enum, Allowed: []string{"winrm", "blob", "local"}, Default: "winrm", Area: "Entra", Help: "where change files go: the MIM server over WinRM, a blob container, or a folder on this machine"}
	EntraExportDirectory     = Spec{Name: "EntraExportDirectory", RequiredWhen: []Condition{{Setting: "EntraExportTarget", Values: []string{"winrm", "local"}}}, Area: "Entra", Help: "folder of the change files (winrm: on the MIM server; local: on this machine)"}
	EntraExportContainer     = Spec{Name: "EntraExportContainer", Kind: ContainerName, RequiredWhen: []Condition{{Setting: "EntraExportTarget", Values: []string{"blob"}}}, Area: "Entra", Help: "blob container of the change files when EntraExportTarget=blob"}
	EntraStateContainer      = Spec{Name: "EntraStateContainer", Kind: ContainerName, Default: "entra-delta", Area: "Entra", Help: "blob container holding the delta links, the replica and staged files"}
	EntraExportRetentionDays = Spec{Name: "EntraExportRetentionDays", Kind: Int, Default: "14", Area: "Entra",
		Help: "days to keep change files; the newest full file and those after it are always kept; 0 keeps all"}
	EntraGraphEndpoint = Spec{Name: "EntraGraphEndpoint", Kind: HTTPSURL, Default: "https://graph.microsoft.com", Area: "Entra",
		Help: "Microsoft Graph endpoint (national clouds differ)"}
	EntraAuthorityHost = Spec{Name: "EntraAuthorityHost", Kind: HTTPSURL, Default: "https://login.microsoftonline.com", Area: "Entra",
		Help: "Entra sign-in authority of the certificate credential, the pair of EntraGraphEndpoint (national clouds differ)"}
	EntraTenantId                = Spec{Name: "EntraTenantId", RequiredWhen: []Condition{{Setting: "EntraClientId"}, {Setting: "EntraClientCertificate"}}, Area: "Entra", Help: "certificate auth: Entra tenant id"}
	EntraClientId                = Spec{Name: "EntraClientId", RequiredWhen: []Condition{{Setting: "EntraTenantId"}, {Setting: "EntraClientCertificate"}}, Area: "Entra", Help: "certificate auth: app (client) id"}
	EntraClientCertificate       = Spec{Name: "EntraClientCertificate", Secret: true, RequiredWhen: []Condition{{Setting: "EntraTenantId"}, {Setting: "EntraClientId"}}, Area: "Entra", Help: "certificate auth: PEM or base64 PFX with the private key (a Key Vault reference)"}
	EntraManagedIdentityClientId = Spec{Name: "EntraManagedIdentityClientId", Deploy: DeployIdentity, Area: "Entra", Help: "client id of a user-assigned managed identity (else system-assigned)"}
)

// All returns every setting tenantops reads, in catalog order.
func All() []Spec {
	return []Spec{
		Storage, StorageAccountName, StorageBlobServiceURI, StorageQueueServiceURI, StorageCredential, StorageClientID,
		OpsTimeZone, WebsiteTimeZone,
		MIMSyncServer, MIMSyncCredUser, MIMSyncCredPassword, MIMSyncWinRMPort, MIMSyncWinRMUseHTTPS, MIMSyncWinRMCACert, MIMSyncWinRMInsecureSkipVerify,
		MIMSyncWinRMCertThumbprint, MIMSyncWinRMTLSServerName,
		MIMBackupSchedule, MIMBackupRoot, MIMBackupFolderFormat, MIMServiceUri, MIMExtensionsPath, MIMBackupRetentionDays, MIMBackupContainer,
		MIMBackupKeepMin, MIMBackupBlobServiceURI,
		FTPServer, FTPUsername, FTPPassword, FTPSourceDirectory, FTPTargetDirectory, FTPSchedule, FTPFilePattern, FTPTargetSubfolder,
		FTPTarget, FTPTargetContainer, FTPTLS, FTPMaxConnections, FTPMinFileAge, FTPCACert, FTPTimeout,
		SPSiteUrl, SPListTitle, SPChangePollSchedule, SPCleanupQueue, SPStateContainer, SPCleanupTargets, SPCleanupMode,
		SPTenantId, SPClientId, SPClientCertificate, SPManagedIdentityClientId,
		EntraDeltaSchedule, EntraUserAttributes, EntraGroupAttributes, EntraExportTarget, EntraExportDirectory,
		EntraExportContainer, EntraStateContainer, EntraExportRetentionDays, EntraGraphEndpoint, EntraAuthorityHost,
		EntraTenantId, EntraClientId, EntraClientCertificate, EntraManagedIdentityClientId,
	}
}

// ByName returns the catalog spec with that name.
func ByName(name string) (Spec, bool) {
	for _, s := range All() {
		if s.Name == name {
			return s, true
		}
	}
	return Spec{}, false
}

// Zone returns the operations time zone: OpsTimeZone, else WEBSITE_TIME_ZONE, else UTC.
func (p *Parser) Zone() *time.Location {
	if p.Set(OpsTimeZone) {
		return p.Location(OpsTimeZone)
	}
	return p.Location(WebsiteTimeZone)
}
