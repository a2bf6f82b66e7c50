package infra

import (
	_ "embed"
	"fmt"
	"regexp"
	"strings"
	"unicode"

	"github.com/tenantops/tenantops/internal/function"
	"github.com/tenantops/tenantops/internal/settings"
)

// The regions of main.bicepparam, the README and the operator's guide.

// The queries the alert rules run (modules/alerts.bicep loads the same files),
// with {function} and {figure} to fill in.
var (
	//go:embed queries/failures.kql
	failuresQuery string
	//go:embed queries/heartbeat.kql
	heartbeatQuery string
)

// EnvVarName is the environment variable main.bicepparam reads a secret
// setting from: MIMSyncCredPassword is MIM_SYNC_CRED_PASSWORD.
func EnvVarName(s settings.Spec) string {
	r := []rune(s.Name)
	var b strings.Builder
	for i, c := range r {
		if i > 0 && unicode.IsUpper(c) && (unicode.IsLower(r[i-1]) || i+1 < len(r) && unicode.IsLower(r[i+1])) {
			b.WriteByte('_')
		}
		b.WriteRune(unicode.ToUpper(c))
	}
	return b.String()
}

var paramAssignment = regexp.MustCompile(`(?m)^param\s+(\w+)\s*=`)

// requiredParams writes main.bicepparam's values for every parameter
// without a default that the hand-written rest of the file does not set:
// a secret from an environment variable, any other setting as a
// placeholder to fill in (its catalog example, else its help).
func requiredParams(src Source, doc string) (string, error) {
	r, err := findRegion(doc, "required-params")
	if err != nil {
		return "", err
	}
	set := map[string]bool{}
	for _, m := range paramAssignment.FindAllStringSubmatch(doc[:r.bodyStart]+doc[r.bodyEnd:], -1) {
		set[m[1]] = true
	}
	var b strings.Builder
	for _, s := range parameterized(src.Settings) {
		p := ParamName(s)
		switch {
		case set[p] || !(s.Required || s.Secret):
		case s.Secret && s.Required:
			fmt.Fprintf(&b, "param %s = readEnvironmentVariable(%s)\n", p, bicepString(EnvVarName(s)))
		case s.Secret:
			fmt.Fprintf(&b, "param %s = readEnvironmentVariable(%s, '')\n", p, bicepString(EnvVarName(s)))
		case s.Example != "":
			fmt.Fprintf(&b, "param %s = %s\n", p, bicepString(s.Example))
		default:
			fmt.Fprintf(&b, "param %s = %s\n", p, bicepString("<"+s.Help+">"))
		}
	}
	return b.String(), nil
}

// triggerText is how the README names a function's trigger.
func triggerText(d function.Declaration) string {
	t := d.Trigger
	switch {
	case t.Schedule != "":
		return "timer `" + t.Schedule + "`"
	case t.QueueName != "":
		return "queue `" + t.QueueName + "`"
	case t.Route != "":
		return "HTTP `" + strings.ToUpper(strings.Join(t.Methods, ",")) + " /api/" + t.Route + "` (key: " + t.AuthLevel + ")"
	}
	return strings.TrimSuffix(t.Type, "Trigger")
}

// functionTable writes the README's table of functions, one link each to
// its page under docs/functions/.
func functionTable(src Source) (string, error) {
	var b strings.Builder
	b.WriteString("| function | trigger | reference |\n|---|---|---|\n")
	for _, d := range src.Functions {
		page := "docs/functions/" + d.Name + ".md"
		fmt.Fprintf(&b, "| `%s` | %s | [%s](%s) |\n", d.Name, triggerText(d), page, page)
	}
	return b.String(), nil
}

// fill puts a function's name into a query.
func fill(query, fn string) string {
	return strings.TrimSpace(strings.ReplaceAll(query, "{function}", fn))
}

// failureQueries writes, for the operator's guide, the query of each
// function's failure rule, ready to paste.
func failureQueries(src Source) (string, error) {
	var parts []string
	for _, d := range src.Functions {
		parts = append(parts, fmt.Sprintf("`%s`:\n\n```kusto\n%s\n```\n", d.Name, fill(failuresQuery, d.Name)))
	}
	return strings.Join(parts, "\n"), nil
}

// heartbeatQueries writes, for the operator's guide, each timer function's
// heartbeat: its schedule setting, its window parameter and default, and
// the query its rule runs.
func heartbeatQueries(src Source) (string, error) {
	beats, err := Heartbeats(src)
	if err != nil {
		return "", err
	}
	var parts []string
	for _, h := range beats {
		parts = append(parts, fmt.Sprintf("`%s` (schedule `%s`; window `%s`, default `%s`, checked every `%s`):\n\n```kusto\n%s\n```\n",
			h.Function, h.Schedule.Name, h.WindowParam, iso8601(h.Window), iso8601(h.Frequency), fill(heartbeatQuery, h.Function)))
	}
	return strings.Join(parts, "\n"), nil
}
