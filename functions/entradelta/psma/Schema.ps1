# Schema.ps1: the Granfeldt PowerShell MA's schema script for EntraDeltaExport's change files. Two object
# classes, user and group, each anchored on the Entra object id; a group's members are a multi-valued
# reference attribute whose values are the member objects' ids (the DN of every imported object is its id).
# The other references are declared the same way, always: a user's manager (manager|Reference, the
# "references":{"manager":"<id>"} of a user line) and a group's owners (owners|Reference[], the users among
# them, "references":{"owners":["<id>",...]}); they stay empty unless EntraUserAttributes selects manager
# and EntraGroupAttributes selects owners.
#
# Attributes are "name|Type" with Type String, Integer, Boolean or Reference, and "[]" after the type for a
# multi-valued one. The names are Graph property names, as EntraUserAttributes and EntraGroupAttributes select
# them. To import another property: add it to EntraUserAttributes (or EntraGroupAttributes) so the files
# carry it, then add it below or list the whole set in the MA's configuration parameters, e.g.
#   UserAttributes=displayName|String,mail|String,proxyAddresses|String[],accountEnabled|Boolean
# and refresh the schema in the Synchronization Service Manager. A property the files carry but the schema
# lacks is left out of the import; one the schema has but the files lack stays empty.
param($Username, $Password, $Credentials, $AuxUsername, $AuxPassword, $AuxCredentials, $ConfigurationParameter)
Set-StrictMode -Version 1
$ErrorActionPreference = 'Stop'

# The defaults of EntraUserAttributes and EntraGroupAttributes, typed.
$userAttributes = @(
    'displayName|String', 'givenName|String', 'surname|String', 'userPrincipalName|String', 'mail|String',
    'accountEnabled|Boolean', 'jobTitle|String', 'department|String'
)
$groupAttributes = @(
    'displayName|String', 'description|String', 'mail|String', 'mailNickname|String', 'mailEnabled|Boolean',
    'securityEnabled|Boolean', 'groupTypes|String[]'
)

# New-ObjectClass returns one object class as the MA reads it: a property per attribute.
function New-ObjectClass([string]$Class, [string[]]$Attributes, [string]$Configured) {
    if (-not [string]::IsNullOrWhiteSpace($Configured)) {
        $Attributes = @($Configured.Split(',') | ForEach-Object { $_.Trim() } | Where-Object { $_ -ne '' })
    }
    $definition = New-Object -TypeName PSObject
    $definition | Add-Member -MemberType NoteProperty -Name 'objectClass|String' -Value $Class
    $definition | Add-Member -MemberType NoteProperty -Name 'Anchor-id|String' -Value ''
    foreach ($attribute in $Attributes) {
        if (-not ($attribute -match '^[A-Za-z][A-Za-z0-9_]*\|(String|Integer|Boolean|Reference)(\[\])?$') -or $attribute -match '^(id|members|manager|owners|objectClass)\|') {
            throw ('Schema: "{0}" is not an attribute definition like displayName|String or proxyAddresses|String[].' -f $attribute)
        }
        $definition | Add-Member -MemberType NoteProperty -Name $attribute -Value ''
    }
    $definition
}

$configured = @{ UserAttributes = ''; GroupAttributes = '' }
if ($null -ne $ConfigurationParameter) {
    foreach ($key in @('UserAttributes', 'GroupAttributes')) {
        if ($ConfigurationParameter.ContainsKey($key)) { $configured[$key] = [string]$ConfigurationParameter[$key] }
    }
}
$user = New-ObjectClass 'user' $userAttributes $configured.UserAttributes
$user | Add-Member -MemberType NoteProperty -Name 'manager|Reference' -Value ''
$user
$group = New-ObjectClass 'group' $groupAttributes $configured.GroupAttributes
$group | Add-Member -MemberType NoteProperty -Name 'members|Reference[]' -Value ''
$group | Add-Member -MemberType NoteProperty -Name 'owners|Reference[]' -Value ''
$group
