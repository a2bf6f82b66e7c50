// Microsoft Graph application permissions for the app's identity, as EntraDeltaExport needs them:
// User.Read.All for users/delta and GroupMember.Read.All for groups/delta with members. Graph app
// roles are app role assignments in Entra ID, not Azure RBAC, so they are granted through the
// Microsoft Graph Bicep extension (bicepconfig.json beside main.bicep). The deploying identity
// needs AppRoleAssignment.ReadWrite.All and Application.Read.All; the extension works in the
// public cloud only and has no what-if. main.bicep calls this module only when
// grantGraphPermissions is true; docs/operations.md gives the PowerShell alternative.

extension microsoftGraphV1

@description('Object (principal) id of the managed identity that gets the app roles.')
param principalId string

// Microsoft Graph's well-known application id, and the ids of the two app roles it defines.
var graphAppId = '00000003-0000-0000-c000-000000000000'
var appRoleIds = {
  userReadAll: 'df021288-bdef-4463-88db-98f22de89214'
  groupMemberReadAll: '98830695-27a2-44f7-8c18-0c3ebc9698f6'
}

resource graph 'Microsoft.Graph/servicePrincipals@v1.0' existing = {
  appId: graphAppId
}

resource userReadAll 'Microsoft.Graph/appRoleAssignedTo@v1.0' = {
  principalId: principalId
  resourceId: graph.id
  appRoleId: appRoleIds.userReadAll
}

resource groupMemberReadAll 'Microsoft.Graph/appRoleAssignedTo@v1.0' = {
  principalId: principalId
  resourceId: graph.id
  appRoleId: appRoleIds.groupMemberReadAll
}

@description('Ids of the two app role assignments.')
output assignmentIds array = [
  userReadAll.id
  groupMemberReadAll.id
]
