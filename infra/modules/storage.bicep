// The Function App's storage account: host state (AzureWebJobsStorage), the
// deployment package container, and the queues and containers tenantops uses,
// all created up front. Shared key access is off, so every client authenticates
// with Entra ID (the app's user-assigned identity); no key is ever read or stored.
// With an integration subnet that has the Microsoft.Storage service endpoint,
// the firewall admits that subnet (and allowedIpRanges) only; see
// backupstorage.bicep for why network rules rather than private endpoints.
// MimConfigBackup's off-site copies live in their own account (backupstorage.bicep).

@description('Azure region.')
param location string

@description('Tags for every resource.')
param tags object

@description('Storage account name: 3-24 lowercase letters and digits, globally unique.')
@minLength(3)
@maxLength(24)
param name string

@description('Blob containers to create (deployment package, state, optional copies).')
param containerNames array

@description('Queues to create (each work queue and its -poison companion).')
param queueNames array

@description('Days a deleted blob can be restored.')
param blobSoftDeleteDays int = 7

@description('Integration subnet with the Microsoft.Storage service endpoint that alone may reach the account; empty leaves the firewall open.')
param allowedSubnetId string = ''

@description('Public IP ranges (CIDR) also admitted when the firewall is closed, e.g. the operators\' addresses.')
param allowedIpRanges array = []

var firewallClosed = !empty(allowedSubnetId)

resource account 'Microsoft.Storage/storageAccounts@2023-05-01' = {
  name: name
  location: location
  tags: tags
  kind: 'StorageV2'
  sku: {
    name: 'Standard_LRS'
  }
  properties: {
    accessTier: 'Hot'
    allowSharedKeyAccess: false
    defaultToOAuthAuthentication: true
    allowBlobPublicAccess: false
    allowCrossTenantReplication: false
    minimumTlsVersion: 'TLS1_2'
    supportsHttpsTrafficOnly: true
    publicNetworkAccess: 'Enabled'
    networkAcls: firewallClosed
      ? {
          defaultAction: 'Deny'
          bypass: 'AzureServices'
          virtualNetworkRules: [
            {
              id: allowedSubnetId
              action: 'Allow'
            }
          ]
          ipRules: map(allowedIpRanges, range => { value: range, action: 'Allow' })
        }
      : {
          defaultAction: 'Allow'
          bypass: 'AzureServices'
        }
  }
}

resource blobService 'Microsoft.Storage/storageAccounts/blobServices@2023-05-01' = {
  parent: account
  name: 'default'
  properties: {
    deleteRetentionPolicy: {
      enabled: true
      days: blobSoftDeleteDays
    }
    containerDeleteRetentionPolicy: {
      enabled: true
      days: blobSoftDeleteDays
    }
  }
}

resource containers 'Microsoft.Storage/storageAccounts/blobServices/containers@2023-05-01' = [
  for containerName in containerNames: {
    parent: blobService
    name: containerName
    properties: {
      publicAccess: 'None'
    }
  }
]

resource queueService 'Microsoft.Storage/storageAccounts/queueServices@2023-05-01' = {
  parent: account
  name: 'default'
}

resource queues 'Microsoft.Storage/storageAccounts/queueServices/queues@2023-05-01' = [
  for queueName in queueNames: {
    parent: queueService
    name: queueName
  }
]

@description('Storage account name.')
output name string = account.name

@description('Blob service endpoint, ending in a slash.')
output blobEndpoint string = account.properties.primaryEndpoints.blob

@description('Queue service endpoint, ending in a slash.')
output queueEndpoint string = account.properties.primaryEndpoints.queue

@description('Table service endpoint, ending in a slash.')
output tableEndpoint string = account.properties.primaryEndpoints.table
