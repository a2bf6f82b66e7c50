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

// BEGIN GENERATED: secret-params (make docs)
@secure()
@description('MIMSyncCredPassword: password of MIMSyncCredUser.')
param mimSyncCredPassword string

@secure()
@description('FTPPassword: FTP password.')
param ftpPassword string

@secure()
@description('SPClientCertificate: certificate auth: PEM or base64 PFX with the private key.')
param spClientCertificate string

@description('Store spClientCertificate: true when it is given.')
param storeSpClientCertificate bool

@secure()
@description('EntraClientCertificate: certificate auth: PEM or base64 PFX with the private key.')
param entraClientCertificate string

@description('Store entraClientCertificate: true when it is given.')
param storeEntraClientCertificate bool
// END GENERATED: secret-params

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

@description('Key Vault name.')
output name string = vault.name

// One secret per secret setting of the catalog, named after it, and its URI.
// BEGIN GENERATED: secrets (make docs)
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

resource entraClientCertificateSecret 'Microsoft.KeyVault/vaults/secrets@2023-07-01' = if (storeEntraClientCertificate) {
  parent: vault
  name: 'EntraClientCertificate'
  properties: {
    value: entraClientCertificate
    contentType: 'application/x-pem-file'
  }
}

@description('Unversioned URI of the MIMSyncCredPassword secret.')
output mimSyncCredPasswordUri string = '${vault.properties.vaultUri}secrets/${mimSyncCredPasswordSecret.name}/'

@description('Unversioned URI of the FTPPassword secret.')
output ftpPasswordUri string = '${vault.properties.vaultUri}secrets/${ftpPasswordSecret.name}/'

@description('Unversioned URI of the SPClientCertificate secret, or empty when none was given.')
output spClientCertificateUri string = storeSpClientCertificate ? '${vault.properties.vaultUri}secrets/SPClientCertificate/' : ''

@description('Unversioned URI of the EntraClientCertificate secret, or empty when none was given.')
output entraClientCertificateUri string = storeEntraClientCertificate ? '${vault.properties.vaultUri}secrets/EntraClientCertificate/' : ''
// END GENERATED: secrets
