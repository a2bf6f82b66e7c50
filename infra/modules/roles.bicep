// The only roles tenantops' identity holds, each on the narrowest scope Azure
// allows for what the host and the functions do (they share one identity, so
// each scope is the union of their needs):
//   host account, each container   Storage Blob Data Contributor   the Functions host's own containers
//     the app uses (containerNames)                                 (azure-webjobs-hosts: leases, timer
//                                                                   state; azure-webjobs-secrets: keys),
//                                                                   the deployment package the platform
//                                                                   reads with this identity, state,
//                                                                   run records, delivered files
//   host account, each queue       Storage Queue Data Contributor  the queue trigger (and the scale
//     (queueNames)                                                  controller reading its length), the
//                                                                   -poison queue, change messages
//   host account                   Storage Table Data Contributor  account-wide because the host itself
//                                                                   creates a diagnostic events table
//                                                                   each month (AzureFunctionsDiagnosticEvents
//                                                                   + yyyyMM), whose names cannot be
//                                                                   assigned ahead
//   backup account, its container  Storage Blob Data Contributor   add and read off-site copies; the
//                                                                   account's time-based retention policy
//                                                                   keeps it from deleting or changing one
//   App Insights                   Monitoring Metrics Publisher    telemetry with Entra auth (local auth is off)
//   Key Vault                      Key Vault Secrets User          resolving the app settings' Key Vault references
// Blob Data Contributor rather than Owner: Owner adds only ACL management of
// hierarchical-namespace accounts (unused here) and deleting blob versions.
// The Functions docs name Storage Blob Data Owner on the account as the host's
// minimum because the host creates its containers (azure-webjobs-hosts,
// azure-webjobs-secrets) when they are missing; main.bicep creates them up
// front, so a role on each container covers the host. Should a later host
// version write to another container, it logs 403 on it: add it to
// hostContainerNames in main.bicep.
// docs/operations.md, "What an attacker with the app's identity can do",
// explains each assignment; infra/attacker_test.go keeps the two in step.
// Assignment names are guid(scope, principal, role), so a redeploy finds the
// same assignments instead of adding new ones.

@description('Object (principal) id of the user-assigned identity.')
param principalId string

@description('Storage account the app runs from (AzureWebJobsStorage).')
param storageAccountName string

@description('Blob containers of the host account the identity reads and writes: the host\'s own and every one tenantops uses.')
param containerNames array

@description('Queues of the host account the identity reads and writes.')
param queueNames array

@description('Storage account of the off-site backups.')
param backupStorageAccountName string

@description('The backup account\'s one container.')
param backupContainerName string

@description('Application Insights component.')
param appInsightsName string

@description('Key Vault holding the app\'s secrets.')
param keyVaultName string

// Built-in role definition ids (the same in every tenant).
var roleIds = {
  storageBlobDataContributor: 'ba92f5b4-2d11-453d-a403-e96b0029c9fe'
  storageQueueDataContributor: '974c5e8b-45b9-4653-ba55-5f855dd0fb88'
  storageTableDataContributor: '0a9a7e1f-b9d0-4cc4-a60d-0319b160aaa3'
  monitoringMetricsPublisher: '3913510d-42f4-4e42-8a64-420c390055eb'
  keyVaultSecretsUser: '4633458b-17de-408a-b874-0445c86b69e6'
}

resource hostAccount 'Microsoft.Storage/storageAccounts@2023-05-01' existing = {
  name: storageAccountName
}

resource hostContainers 'Microsoft.Storage/storageAccounts/blobServices/containers@2023-05-01' existing = [
  for name in containerNames: {
    name: '${storageAccountName}/default/${name}'
  }
]

resource hostQueues 'Microsoft.Storage/storageAccounts/queueServices/queues@2023-05-01' existing = [
  for name in queueNames: {
    name: '${storageAccountName}/default/${name}'
  }
]

resource backupContainer 'Microsoft.Storage/storageAccounts/blobServices/containers@2023-05-01' existing = {
  name: '${backupStorageAccountName}/default/${backupContainerName}'
}

resource appInsights 'Microsoft.Insights/components@2020-02-02' existing = {
  name: appInsightsName
}

resource vault 'Microsoft.KeyVault/vaults@2023-07-01' existing = {
  name: keyVaultName
}

resource containerBlobData 'Microsoft.Authorization/roleAssignments@2022-04-01' = [
  for (name, i) in containerNames: {
    name: guid(hostContainers[i].id, principalId, roleIds.storageBlobDataContributor)
    scope: hostContainers[i]
    properties: {
      roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', roleIds.storageBlobDataContributor)
      principalId: principalId
      principalType: 'ServicePrincipal'
    }
  }
]

resource queueData 'Microsoft.Authorization/roleAssignments@2022-04-01' = [
  for (name, i) in queueNames: {
    name: guid(hostQueues[i].id, principalId, roleIds.storageQueueDataContributor)
    scope: hostQueues[i]
    properties: {
      roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', roleIds.storageQueueDataContributor)
      principalId: principalId
      principalType: 'ServicePrincipal'
    }
  }
]

resource tableData 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  name: guid(hostAccount.id, principalId, roleIds.storageTableDataContributor)
  scope: hostAccount
  properties: {
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', roleIds.storageTableDataContributor)
    principalId: principalId
    principalType: 'ServicePrincipal'
  }
}

resource backupBlobData 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  name: guid(backupContainer.id, principalId, roleIds.storageBlobDataContributor)
  scope: backupContainer
  properties: {
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', roleIds.storageBlobDataContributor)
    principalId: principalId
    principalType: 'ServicePrincipal'
  }
}

resource metricsPublisher 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  name: guid(appInsights.id, principalId, roleIds.monitoringMetricsPublisher)
  scope: appInsights
  properties: {
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', roleIds.monitoringMetricsPublisher)
    principalId: principalId
    principalType: 'ServicePrincipal'
  }
}

resource secretsUser 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  name: guid(vault.id, principalId, roleIds.keyVaultSecretsUser)
  scope: vault
  properties: {
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', roleIds.keyVaultSecretsUser)
    principalId: principalId
    principalType: 'ServicePrincipal'
  }
}
