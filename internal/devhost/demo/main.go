// Command demo runs tenantops' functions end to end on local stand-ins and
// Azurite, through the custom-handler protocol (`make demo`).
package main

import (
	"fmt"
	"os"
)

func main() {
	fmt.Fprintln(os.Stderr, "demo: the local host is not built yet")
	os.Exit(1)
}
