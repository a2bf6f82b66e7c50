// Log Analytics workspace and workspace-based Application Insights.
// Local (instrumentation key) authentication is off: telemetry is accepted only
// with an Entra token, which the Function App gets from its user-assigned identity
// (Monitoring Metrics Publisher, granted in roles.bicep).

@description('Azure region.')
param location string

@description('Tags for every resource.')
param tags object

@description('Name of the Log Analytics workspace.')
param workspaceName string

@description('Name of the Application Insights component.')
param appInsightsName string

@description('Days Log Analytics keeps data.')
param retentionInDays int = 30

resource workspace 'Microsoft.OperationalInsights/workspaces@2023-09-01' = {
  name: workspaceName
  location: location
  tags: tags
  properties: {
    sku: {
      name: 'PerGB2018'
    }
    retentionInDays: retentionInDays
  }
}

resource appInsights 'Microsoft.Insights/components@2020-02-02' = {
  name: appInsightsName
  location: location
  tags: tags
  kind: 'web'
  properties: {
    Application_Type: 'web'
    WorkspaceResourceId: workspace.id
    DisableLocalAuth: true
  }
}

@description('Name of the Application Insights component.')
output appInsightsName string = appInsights.name

@description('Connection string for APPLICATIONINSIGHTS_CONNECTION_STRING; with local auth off it only identifies the component.')
output connectionString string = appInsights.properties.ConnectionString

@description('Resource id of the Application Insights component (the alert rules\' scope).')
output appInsightsId string = appInsights.id
