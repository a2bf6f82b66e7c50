// The Function App's integration subnet, added to an existing virtual network
// that reaches the MIM server (the server's own VNet, a peered one, or one with a
// gateway to the data centre). Flex Consumption needs the subnet delegated to
// Microsoft.App/environments, with no other delegation and no underscore in its
// name; a /27 or larger leaves room to scale.
//
// The subnet's network security group has no rule of its own: the default rules
// let the app open outbound connections inside the VNet (WinRM over HTTPS to the
// MIM server on 5986) and admit nothing from the internet. Inbound to the MIM
// server is opened on the server's side, from this subnet only (see
// docs/operations.md); no rule here or anywhere in this template exposes WinRM.
// The subnet has the Microsoft.Storage service endpoint: both storage accounts
// admit it, and only it, through their firewalls (see backupstorage.bicep).
// Deploy this module into the virtual network's resource group.

@description('Azure region of the virtual network.')
param location string

@description('Tags for every resource.')
param tags object

@description('Name of the existing virtual network.')
param vnetName string

@description('Name of the new subnet: letters, digits, hyphens and periods, no underscores.')
param subnetName string

@description('Address prefix of the new subnet, inside the VNet\'s address space; /27 or larger.')
param subnetPrefix string

resource vnet 'Microsoft.Network/virtualNetworks@2024-05-01' existing = {
  name: vnetName
}

resource nsg 'Microsoft.Network/networkSecurityGroups@2024-05-01' = {
  name: 'nsg-${subnetName}'
  location: location
  tags: tags
  properties: {
    securityRules: []
  }
}

resource subnet 'Microsoft.Network/virtualNetworks/subnets@2024-05-01' = {
  parent: vnet
  name: subnetName
  properties: {
    addressPrefix: subnetPrefix
    networkSecurityGroup: {
      id: nsg.id
    }
    // The storage accounts admit this subnet through their firewalls.
    serviceEndpoints: [
      {
        service: 'Microsoft.Storage'
      }
    ]
    delegations: [
      {
        name: 'flex-consumption'
        properties: {
          serviceName: 'Microsoft.App/environments'
        }
      }
    ]
  }
}

@description('Resource id of the integration subnet.')
output subnetId string = subnet.id

@description('Address prefix of the integration subnet: the source to allow on the MIM server.')
output subnetPrefix string = subnetPrefix
