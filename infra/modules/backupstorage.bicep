// The storage account for MimConfigBackup's off-site copies, and for nothing
// else, so that the backups do not share the blast radius of the account the
// app runs from (deployment package, state, run records, queues).
//
// What keeps a backup:
//   - geo-redundancy by default (redundancy parameter);
//   - a default time-based retention policy of the account (version-level
//     WORM): every blob version is immutable for immutabilityDays after it is
//     written, so nobody, the app's identity included, can delete it or change
//     its content or metadata before then; an overwrite can only add a new
//     version, and the old one stays. The account-level policy is used
//     because ARM sets its state as a property, so lockPolicy can lock it from
//     the template; a container's policy is locked by a POST action, which a
//     template cannot make. Unlocked (the default), an owner of the account can
//     still shorten or remove the policy; locked, nobody can, and the account
//     cannot be deleted while it holds a protected blob. Locking cannot be
//     undone: test the retention first;
//   - blob versioning (the policy needs it), soft delete of blobs and
//     containers for softDeleteDays;
//   - a lifecycle rule that deletes a zip and its versions once they are older
//     than deleteAfterDays (0: keeps them all), so the app itself never deletes
//     one;
//   - no shared keys, TLS 1.2, and, with an integration subnet that has the
//     Microsoft.Storage service endpoint, a firewall that admits that subnet
//     (and allowedIpRanges) only.
//
// Network rules (service endpoints) rather than private endpoints: Flex
// Consumption's VNet integration reaches service-endpoint-secured resources on
// every plan that has VNet integration, needs no second subnet, and no private
// DNS zone, which would clash with a hub network's own privatelink zones. The
// public endpoint stays on, behind a default-deny firewall: a service
// endpoint's traffic arrives there.

@description('Azure region.')
param location string

@description('Tags for every resource.')
param tags object

@description('Storage account name: 3-24 lowercase letters and digits, globally unique.')
@minLength(3)
@maxLength(24)
param name string

@description('The one blob container of backups.')
param containerName string

@description('Redundancy of the account.')
@allowed(['Standard_LRS', 'Standard_ZRS', 'Standard_GRS', 'Standard_GZRS', 'Standard_RAGRS', 'Standard_RAGZRS'])
param redundancy string = 'Standard_GRS'

@description('Days each blob version stays immutable after it is written.')
@minValue(1)
@maxValue(146000)
param immutabilityDays int

@description('Lock the time-based retention policy (irreversible).')
param lockPolicy bool = false

@description('Days after which the lifecycle rule deletes a zip and its versions; 0 keeps them all. Never less than immutabilityDays.')
@minValue(0)
param deleteAfterDays int

@description('Days a deleted blob or container can be restored; at least 30.')
@minValue(30)
@maxValue(365)
param softDeleteDays int = 30

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
    name: redundancy
  }
  properties: {
    accessTier: 'Cool'
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
          bypass: 'None'
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
          bypass: 'None'
        }
    immutableStorageWithVersioning: {
      enabled: true
      immutabilityPolicy: {
        immutabilityPeriodSinceCreationInDays: immutabilityDays
        state: lockPolicy ? 'Locked' : 'Unlocked'
        allowProtectedAppendWrites: false
      }
    }
  }
}

resource blobService 'Microsoft.Storage/storageAccounts/blobServices@2023-05-01' = {
  parent: account
  name: 'default'
  properties: {
    isVersioningEnabled: true
    deleteRetentionPolicy: {
      enabled: true
      days: softDeleteDays
    }
    containerDeleteRetentionPolicy: {
      enabled: true
      days: softDeleteDays
    }
  }
}

resource container 'Microsoft.Storage/storageAccounts/blobServices/containers@2023-05-01' = {
  parent: blobService
  name: containerName
  properties: {
    publicAccess: 'None'
    immutableStorageWithVersioning: {
      enabled: true
    }
  }
}

resource lifecycle 'Microsoft.Storage/storageAccounts/managementPolicies@2023-05-01' = if (deleteAfterDays > 0) {
  parent: account
  name: 'default'
  properties: {
    policy: {
      rules: [
        {
          name: 'delete-backups-after-retention'
          enabled: true
          type: 'Lifecycle'
          definition: {
            filters: {
              blobTypes: ['blockBlob']
              prefixMatch: ['${containerName}/']
            }
            actions: {
              baseBlob: {
                delete: {
                  daysAfterCreationGreaterThan: max(deleteAfterDays, immutabilityDays)
                }
              }
              version: {
                delete: {
                  daysAfterCreationGreaterThan: max(deleteAfterDays, immutabilityDays)
                }
              }
            }
          }
        }
      ]
    }
  }
  dependsOn: [
    container
  ]
}

@description('Storage account name.')
output name string = account.name

@description('Blob service endpoint, ending in a slash.')
output blobEndpoint string = account.properties.primaryEndpoints.blob

@description('The backup container\'s name.')
output containerName string = container.name
