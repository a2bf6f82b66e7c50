// Command handler is tenantops: one binary that the Azure Functions host runs
// as a custom handler, and that operators run by hand.
//
// Subcommands:
//
//	handler [serve]             the custom-handler HTTP server on 127.0.0.1:$FUNCTIONS_CUSTOMHANDLER_PORT
//	handler run NAME [--data J] [--settings F]  one invocation in-process (J: the Data object, or a whole {"Data","Metadata"} envelope)
//	handler check [NAME] [--settings F]         validates settings and tries each dependency; non-zero exit on any failure
//	handler settings [--format markdown|json]   prints the settings catalog as the README table or local.settings.json.example
//	handler manifest DIR                        writes DIR/<FunctionName>/function.json for every function
//	handler status [--json] [--html FILE] [--settings F] every function's last run against its schedule; non-zero exit when one needs attention
//	handler requeue QUEUE [--count N] [--dry-run] moves messages from QUEUE-poison back to QUEUE
//	handler version                             prints the version
//
// --settings F reads the Values of a local.settings.json (the environment
// wins, as in Core Tools). Exit status: 0 success, 1 failure, 2 a command
// given wrongly, 3 `run` discarded a queue message without acting on it.
package main

import (
	"fmt"
	"os"

	"github.com/tenantops/tenantops/internal/version"
)

func main() {
	if err := dispatch(os.Args[1:]); err != nil {
		fmt.Fprintln(os.Stderr, "handler:", err)
		os.Exit(exitStatus(err))
	}
}

func dispatch(args []string) error {
	if len(args) == 0 {
		return serve(nil)
	}
	switch args[0] {
	case "serve":
		return serve(args[1:])
	case "run":
		return runCommand(args[1:])
	case "check":
		return checkCommand(args[1:])
	case "settings":
		return settingsCommand(args[1:])
	case "manifest":
		return manifestCommand(args[1:])
	case "status":
		return statusCommand(args[1:])
	case "requeue":
		return requeueCommand(args[1:])
	case "version", "--version", "-v":
		fmt.Println("tenantops", version.Version)
		return nil
	case "help", "--help", "-h":
		fmt.Print(usage)
		return nil
	}
	return usageError{fmt.Errorf("unknown subcommand %q\n%s", args[0], usage)}
}

const usage = `usage:
  handler [serve]               serve the Azure Functions custom-handler protocol
  handler run NAME [--data J] [--settings FILE]
                                run one invocation in-process
  handler check [NAME] [--settings FILE]
                                check settings and dependencies
  handler settings [--format markdown|json] [--update FILE]
                                print (or write) the settings table or local.settings.json.example
  handler manifest DIR          write DIR/<FunctionName>/function.json
  handler status [--json] [--html FILE] [--settings FILE]
                                last runs, overdue functions and quiet state
` + requeueUsage + `  handler version               print the version

--settings FILE reads the Values of a local.settings.json; the environment wins.
Exit status: 0 ok, 1 failed, 2 usage, 3 run discarded a queue message.
`
