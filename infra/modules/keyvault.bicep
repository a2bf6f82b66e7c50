// Key Vault in RBAC mode (no access policies) with soft delete and purge
// protection, holding tenantops' secrets. Each secret is named after the app
// setting that references it. The outputs are unversioned secret URIs, so a new
// secret version reaches the app without a redeploy.

@description('Azure region.')
param location string

@description('Tags for every resource.')
param tags object

@description('Key Vault name: 3-24 letters, digits and hyphens, globally unique.')
@minLength(3)
@maxLength(24)
param name string

@description('Days a deleted vault or secret stays recoverable (7-90).')
@minValue(7)
@maxValue(90)
param softDeleteRetentionInDays int = 90

@secure()
@description('Password of the WinRM account on the MIM Sync server.')
param mimSyncCredPassword string

@secure()
@description('FTP password.')
param ftpPassword string

@secure()
@description('SharePoint client certificate (PEM, or base64 PFX) with its private key; empty when the managed identity is used instead.')
param spClientCertificate string

@description('Store spClientCertificate: true when SharePoint uses certificate auth.')
param storeSpClientCertificate bool

@secure()
@description('Graph client certificate for EntraDeltaExport (PEM, or base64 PFX) with its private key; empty when the managed identity is used instead.')
param entraClientCertificate string

@description('Store entraClientCertificate: true when EntraDeltaExport uses certificate auth.')
param storeEntraClientCertificate bool

@secure()
@description('SharePointWebhook\'s URL with its function key, which SharePoint notifies; empty when there is no webhook.')
param spWebhookUrl string

@secure()
@description('The client state SharePoint sends back with every webhook notification.')
param spWebhookClientState string

@description('Store spWebhookUrl and spWebhookClientState: true when the webhook is on.')
param storeSpWebhook bool

resource vault 'Microsoft.KeyVault/vaults@2023-07-01' = {
  name: name
  location: location
  tags: tags
  properties: {
    tenantId: subscription().tenantId
    sku: {
      family: 'A'
      name: 'standard'
    }
    enableRbacAuthorization: true
    enableSoftDelete: true
    softDeleteRetentionInDays: softDeleteRetentionInDays
    enablePurgeProtection: true
    enabledForDeployment: false
    enabledForDiskEncryption: false
    enabledForTemplateDeployment: false
    publicNetworkAccess: 'Enabled'
  }
}

resource mimSyncCredPasswordSecret 'Microsoft.KeyVault/vaults/secrets@2023-07-01' = {
  parent: vault
  name: 'MIMSyncCredPassword'
  properties: {
    value: mimSyncCredPassword
    contentType: 'text/plain'
  }
}

resource ftpPasswordSecret 'Microsoft.KeyVault/vaults/secrets@2023-07-01' = {
  parent: vault
  name: 'FTPPassword'
  properties: {
    value: ftpPassword
    contentType: 'text/plain'
  }
}

resource spClientCertificateSecret 'Microsoft.KeyVault/vaults/secrets@2023-07-01' = if (storeSpClientCertificate) {
  parent: vault
  name: 'SPClientCertificate'
  properties: {
    value: spClientCertificate
    contentType: 'application/x-pem-file'
  }
}

resource spWebhookUrlSecret 'Microsoft.KeyVault/vaults/secrets@2023-07-01' = if (storeSpWebhook) {
  parent: vault
  name: 'SPWebhookUrl'
  properties: {
    value: spWebhookUrl
    contentType: 'text/plain'
  }
}

resource spWebhookClientStateSecret 'Microsoft.KeyVault/vaults/secrets@2023-07-01' = if (storeSpWebhook) {
  parent: vault
  name: 'SPWebhookClientState'
  properties: {
    value: spWebhookClientState
    contentType: 'text/plain'
  }
}

resource entraClientCertificateSecret 'Microsoft.KeyVault/vaults/secrets@2023-07-01' = if (storeEntraClientCertificate) {
  parent: vault
  name: 'EntraClientCertificate'
  properties: {
    value: entraClientCertificate
    contentType: 'application/x-pem-file'
  }
}

@description('Key Vault name.')
output name string = vault.name

@description('Unversioned URI of the MIMSyncCredPassword secret.')
output mimSyncCredUri string = '${vault.properties.vaultUri}secrets/${mimSyncCredPasswordSecret.name}/'

@description('Unversioned URI of the FTPPassword secret.')
output ftpCredUri string = '${vault.properties.vaultUri}secrets/${ftpPasswordSecret.name}/'

@description('Unversioned URI of the SPClientCertificate secret, or empty when no certificate was given.')
output spCertificateUri string = storeSpClientCertificate ? '${vault.properties.vaultUri}secrets/SPClientCertificate/' : ''

@description('Unversioned URI of the EntraClientCertificate secret, or empty when no certificate was given.')
output entraCertificateUri string = storeEntraClientCertificate ? '${vault.properties.vaultUri}secrets/EntraClientCertificate/' : ''

@description('Unversioned URI of the SPWebhookUrl secret, or empty when there is no webhook.')
output spWebhookUrlUri string = storeSpWebhook ? '${vault.properties.vaultUri}secrets/SPWebhookUrl/' : ''

@description('Unversioned URI of the SPWebhookClientState secret, or empty when there is no webhook.')
output spWebhookClientStateUri string = storeSpWebhook ? '${vault.properties.vaultUri}secrets/SPWebhookClientState/' : ''
