// Alerts: an action group that e-mails the operators, and log search alert rules on the
// app's Application Insights. main.bicep deploys this module only when alertEmails lists
// at least one receiver: alerts nobody receives are noise in the portal, not alerts.
//
// The queries live in infra/queries/*.kql, with {function}, {figure} placeholders filled in
// here; docs/operations.md ("When something fails") shows each one filled in, ready to paste
// into the portal's Logs blade. infra/alerts_test.go keeps the three in step.
//
// Tables and columns: the Functions host writes one `requests` row per invocation
// (operation_Name = the function's name, success = its outcome; host.json excludes
// requests from sampling, so none is dropped), and every invocation of tenantops ends with
// one "run summary" log line (a `traces` row whose message is that JSON line).

@description('Azure region of the alert rules (the action group is global).')
param location string

@description('Tags for every resource.')
param tags object

@description('Resource id of the Application Insights component the rules query.')
param appInsightsId string

@description('Short name the resource names are built from.')
param baseName string

@description('E-mail addresses that receive every alert.')
param alertEmails array

@description('Every function of the app: one "failed invocation" rule each.')
param functionNames array

@description('Timer functions and their heartbeat: no successful run within window (about two intervals of the schedule) raises an alert, checked every frequency.')
param heartbeats array

@description('Figures from the run summary lines that must stay under a limit: function, figure, limit, window, frequency, and why.')
param figureLimits array

var failuresQuery = loadTextContent('../queries/failures.kql')
var heartbeatQuery = loadTextContent('../queries/heartbeat.kql')
var figureQuery = loadTextContent('../queries/figure.kql')

resource actionGroup 'Microsoft.Insights/actionGroups@2023-01-01' = {
  name: 'ag-${baseName}'
  location: 'Global'
  tags: tags
  properties: {
    groupShortName: take(replace(baseName, '-', ''), 12)
    enabled: true
    emailReceivers: [for (address, i) in alertEmails: {
      name: 'operator-${i}'
      emailAddress: address
      useCommonAlertSchema: true
    }]
  }
}

resource failed 'Microsoft.Insights/scheduledQueryRules@2023-12-01' = [for name in functionNames: {
  name: 'alert-${baseName}-${name}-failed'
  location: location
  tags: tags
  kind: 'LogAlert'
  properties: {
    displayName: '${name}: an invocation failed'
    description: 'At least one invocation of ${name} failed in the last 15 minutes. docs/operations.md, "When something fails", says what to check first.'
    severity: 1
    enabled: true
    scopes: [
      appInsightsId
    ]
    evaluationFrequency: 'PT5M'
    windowSize: 'PT15M'
    criteria: {
      allOf: [
        {
          query: replace(failuresQuery, '{function}', name)
          timeAggregation: 'Total'
          metricMeasureColumn: 'failures'
          operator: 'GreaterThan'
          threshold: 0
          failingPeriods: {
            numberOfEvaluationPeriods: 1
            minFailingPeriodsToAlert: 1
          }
        }
      ]
    }
    autoMitigate: true
    actions: {
      actionGroups: [
        actionGroup.id
      ]
    }
  }
}]

resource missed 'Microsoft.Insights/scheduledQueryRules@2023-12-01' = [for beat in heartbeats: {
  name: 'alert-${baseName}-${beat.function}-heartbeat'
  location: location
  tags: tags
  kind: 'LogAlert'
  properties: {
    displayName: '${beat.function}: no successful run'
    description: '${beat.function} has not run successfully for ${beat.window}, about two intervals of its schedule: the timer stopped, or every run failed.'
    severity: 1
    enabled: true
    scopes: [
      appInsightsId
    ]
    evaluationFrequency: beat.frequency
    windowSize: beat.window
    criteria: {
      allOf: [
        {
          query: replace(heartbeatQuery, '{function}', beat.function)
          timeAggregation: 'Total'
          metricMeasureColumn: 'runs'
          operator: 'LessThan'
          threshold: 1
          failingPeriods: {
            numberOfEvaluationPeriods: 1
            minFailingPeriodsToAlert: 1
          }
        }
      ]
    }
    autoMitigate: true
    actions: {
      actionGroups: [
        actionGroup.id
      ]
    }
  }
}]

resource overLimit 'Microsoft.Insights/scheduledQueryRules@2023-12-01' = [for limit in figureLimits: {
  name: 'alert-${baseName}-${limit.function}-${limit.figure}'
  location: location
  tags: tags
  kind: 'LogAlert'
  properties: {
    displayName: '${limit.function}: ${limit.figure} over ${limit.limit}'
    description: limit.why
    severity: 2
    enabled: true
    scopes: [
      appInsightsId
    ]
    evaluationFrequency: limit.frequency
    windowSize: limit.window
    criteria: {
      allOf: [
        {
          query: replace(replace(figureQuery, '{function}', limit.function), '{figure}', limit.figure)
          timeAggregation: 'Maximum'
          metricMeasureColumn: 'value'
          operator: 'GreaterThan'
          threshold: limit.limit
          failingPeriods: {
            numberOfEvaluationPeriods: 1
            minFailingPeriodsToAlert: 1
          }
        }
      ]
    }
    autoMitigate: true
    actions: {
      actionGroups: [
        actionGroup.id
      ]
    }
  }
}]

@description('Resource id of the action group.')
output actionGroupId string = actionGroup.id
