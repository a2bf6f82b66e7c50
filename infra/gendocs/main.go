// Command gendocs writes the generated regions of the deployment templates
// and the guides (infra/main.bicep, main.bicepparam, modules/keyvault.bicep,
// the README's function table, the operator's guide's alert queries) from
// the function declarations and the settings catalog. `make docs` runs it
// from the repository root.
package main

import (
	"flag"
	"fmt"
	"os"

	"github.com/tenantops/tenantops/functions"
	"github.com/tenantops/tenantops/infra"
	"github.com/tenantops/tenantops/internal/settings"
)

func main() {
	root := flag.String("root", ".", "the repository root")
	flag.Parse()
	changed, err := infra.Update(*root, infra.Source{Functions: functions.All(), Settings: settings.All()})
	for _, path := range changed {
		fmt.Println("gendocs: wrote", path)
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "gendocs:", err)
		os.Exit(1)
	}
}
