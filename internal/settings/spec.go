package settings

import (
	"fmt"
	"strings"
)

// Spec declares one app setting: everything the code, the checks and the
// documentation know about it. Every field but Name is optional; the zero
// value of each means "no such rule".
type Spec struct {
	Name     string // the app setting's name, verbatim
	Default  string // used when the setting is unset or empty; "" means none
	Required bool   // a run that needs it fails without it
	Secret   bool   // its value must never reach a log line or an error text
	Area     string // storage, time, MIM server, backup, FTP, SharePoint
	Help     string // one line for the README table and check output

	// RequiredWhen makes the setting required when any of the conditions
	// holds (for a setting that is not Required everywhere).
	RequiredWhen []Condition
	// Kind says how the value is read and checked; the zero Kind is free text.
	Kind Kind
	// Allowed are the values an Enum setting takes, in lower case.
	Allowed []string
	// Min and Max bound an Int setting (Max 0: no upper bound).
	Min, Max int
	// Example is the value local.settings.json.example shows, when neither
	// the default nor a placeholder made from Help suits.
	Example string
	// Check, when set, is one more rule for a non-empty value, for formats
	// whose parser lives with the code that uses them (a file pattern, a
	// list of targets). It is set by the package that declares the setting
	// for a function (see WithCheck); its error says what is wrong and never
	// quotes a secret.
	Check func(value string) error

	// Deploy says how infra/main.bicep sets the setting; the zero value is a
	// template parameter of its own (make docs writes it).
	Deploy Deploy
	// Param names that parameter where lower-camel-casing Name does not give
	// the name operators know it by (FTPTLS is ftpTLS, not ftptls).
	Param string
	// BackupAccount marks a container setting whose container lives in the
	// backup storage account the template creates for it, not in the host's.
	BackupAccount bool
}

// Deploy is how the deployment template sets a setting.
type Deploy string

// The ways the template sets a setting.
const (
	// DeployParam: a parameter named after the setting, with the catalog's
	// default; a secret goes to Key Vault and the app setting references it.
	DeployParam Deploy = ""
	// DeployIdentity: the client id of the app's user-assigned identity.
	DeployIdentity Deploy = "identity"
	// DeployTemplate: set, or left out on purpose, by the template's own
	// hand-written lines (identity-based host storage, platform settings).
	DeployTemplate Deploy = "template"
)

// Condition holds when the setting named Setting has one of Values
// (compared without regard to case, after its default is applied), or,
// with no Values, when that setting has a value of its own.
type Condition struct {
	Setting string
	Values  []string
}

// String is the condition as the documentation writes it:
// FTPTarget=winrm|local, or SPClientId is set.
func (c Condition) String() string {
	if len(c.Values) == 0 {
		return c.Setting + " is set"
	}
	return c.Setting + "=" + strings.Join(c.Values, "|")
}

// Kind is how a setting's value is read.
type Kind string

// The kinds of setting.
const (
	Text             Kind = ""                 // free text
	Bool             Kind = "bool"             // true or false
	Int              Kind = "int"              // a whole number within Min and Max
	Port             Kind = "port"             // a TCP port, 1-65535
	Duration         Kind = "duration"         // a Go duration (2m) or a .NET TimeSpan (00:02:00)
	Enum             Kind = "enum"             // one of Allowed
	HTTPSURL         Kind = "https URL"        // an absolute https:// URL (http:// only to a loopback address)
	HTTPURL          Kind = "http(s) URL"      // an absolute http:// or https:// URL
	Certificates     Kind = "PEM certificates" // one or more PEM certificates
	TimeZone         Kind = "time zone"        // an IANA or Windows time zone name
	DateFormat       Kind = "date format"      // a .NET custom date and time format
	FolderDateFormat Kind = "folder format"    // a .NET date format that gives one plain folder name
	Schedule         Kind = "schedule"         // an NCRONTAB expression or a TimeSpan, as the timer trigger takes
	ContainerName    Kind = "container"        // an Azure blob container name
	QueueName        Kind = "queue"            // an Azure storage queue name
	Fingerprint      Kind = "fingerprint"      // a certificate's SHA-256 fingerprint in hex
)

// WithCheck returns a copy of s with check as its extra rule (see Spec.Check).
func (s Spec) WithCheck(check func(value string) error) Spec {
	s.Check = check
	return s
}

// RequiredOnlyWhen returns a copy of s that is required only when one of
// conds holds, for a function that needs a setting in some configurations
// that another function always needs.
func (s Spec) RequiredOnlyWhen(conds ...Condition) Spec {
	s.Required = false
	s.RequiredWhen = conds
	return s
}

// Describe is the rule of the setting's value in a few words, for the
// README table: "one of recycle, delete", "NCRONTAB schedule", ….
func (s Spec) Describe() string {
	switch s.Kind {
	case Enum:
		return "one of " + strings.Join(s.Allowed, ", ")
	case Int:
		if s.Max > 0 {
			return fmt.Sprintf("whole number %d-%d", s.Min, s.Max)
		}
		return fmt.Sprintf("whole number ≥ %d", s.Min)
	case Bool:
		return "true or false"
	case Port:
		return "TCP port"
	case Duration:
		return "duration (2m or 00:02:00)"
	case HTTPSURL:
		return "https URL"
	case HTTPURL:
		return "http or https URL"
	case Certificates:
		return "PEM certificates"
	case TimeZone:
		return "IANA or Windows time zone"
	case DateFormat, FolderDateFormat:
		return ".NET date format"
	case Schedule:
		return "NCRONTAB schedule"
	case ContainerName:
		return "blob container name"
	case QueueName:
		return "queue name"
	case Fingerprint:
		return "SHA-256 fingerprint (hex)"
	}
	return ""
}
