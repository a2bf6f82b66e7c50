package azcred

import "github.com/Azure/azure-sdk-for-go/sdk/azcore"

// IsDefaultChain reports whether cred is the default chain.
func IsDefaultChain(cred azcore.TokenCredential) bool {
	_, ok := cred.(defaultChain)
	return ok
}
