package mimtest

import (
	"encoding/json"
	"fmt"
	"os"

	"github.com/tenantops/tenantops/internal/testonly/winrmtest"
)

// runJSON decodes a call's parameters, runs f, and prints its result as
// one JSON line (exit 0) or its error on stderr (exit 1).
func runJSON(c *winrmtest.Call, f func(params map[string]any) (any, error)) int {
	var params map[string]any
	if err := json.Unmarshal(c.Params, &params); err != nil {
		fmt.Fprintf(c.Stderr, "ConvertFrom-Json : %v\r\n", err)
		return 1
	}
	out, err := f(params)
	if err == nil {
		var b []byte
		if b, err = json.Marshal(out); err == nil {
			fmt.Fprintf(c.Stdout, "%s\r\n", b)
			return 0
		}
	}
	fmt.Fprintf(c.Stderr, "%v\r\n", err)
	return 1
}

func removeFile(path string) { _ = os.Remove(path) }
