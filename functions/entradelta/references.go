package entradelta

import (
	"errors"
	"fmt"
	"slices"
	"strings"
)

// The references besides members that EntraDeltaExport exports: a user's
// manager and a group's owners. Graph reports their changes as
// manager@delta and owners@delta when they are selected.
const (
	refManager = "manager"
	refOwners  = "owners"
)

// references is the "references" object of an object line:
// {"manager":"<guid>"} on a user, {"owners":["<guid>",…]} (the users among
// the owners, sorted) on a group; a line without any has none.
type references struct {
	Manager string   `json:"manager,omitempty"`
	Owners  []string `json:"owners,omitempty"`
}

// orNil returns r, or nil when it holds nothing.
func (r *references) orNil() *references {
	if r == nil || (r.Manager == "" && len(r.Owners) == 0) {
		return nil
	}
	return r
}

// equal compares two references, nil being empty.
func (r *references) equal(o *references) bool {
	a, b := r.orNil(), o.orNil()
	if a == nil || b == nil {
		return a == b
	}
	return a.Manager == b.Manager && slices.Equal(a.Owners, b.Owners)
}

// applyRefs returns base with the round's reference changes applied:
// a list that came replaces its reference, one that did not keeps it.
func applyRefs(base *references, changes map[string][]memberOp) *references {
	out := &references{}
	if base != nil {
		out.Manager, out.Owners = base.Manager, base.Owners
	}
	for name, ops := range changes {
		switch {
		case strings.EqualFold(name, refManager):
			out.Manager = applyManager(out.Manager, ops)
		case strings.EqualFold(name, refOwners):
			out.Owners = applyOps(out.Owners, ops)
		}
	}
	return out.orNil()
}

// navigationProperties are the navigation (relationship) properties of
// users and groups in Graph v1.0: $select cannot export them as
// attributes. Of these only manager (users) and owners (groups) are
// exported, as references; members is always read for groups.
var navigationProperties = map[string][]string{
	"users": {"activities", "agreementAcceptances", "appRoleAssignments", "authentication", "calendar",
		"calendarGroups", "calendars", "calendarView", "chats", "cloudClipboard", "contactFolders", "contacts",
		"createdObjects", "directReports", "drive", "drives", "employeeExperience", "events", "extensions",
		"followedSites", "inferenceClassification", "insights", "joinedTeams", "licenseDetails", "mailFolders",
		"managedAppRegistrations", "managedDevices", "manager", "memberOf", "messages", "oauth2PermissionGrants",
		"onenote", "onlineMeetings", "outlook", "ownedDevices", "ownedObjects", "people", "permissionGrants",
		"photo", "photos", "planner", "presence", "registeredDevices", "scopedRoleMemberOf", "settings",
		"solutions", "sponsors", "teamwork", "todo", "transitiveMemberOf"},
	"groups": {"acceptedSenders", "appRoleAssignments", "calendar", "calendarView", "conversations",
		"createdOnBehalfOf", "drive", "drives", "events", "extensions", "groupLifecyclePolicies", "memberOf",
		"members", "membersWithLicenseErrors", "onenote", "owners", "permissionGrants", "photo", "photos",
		"planner", "rejectedSenders", "settings", "sites", "team", "threads", "transitiveMemberOf",
		"transitiveMembers"},
}

// exportedReferences are the navigation properties accepted per resource.
var exportedReferences = map[string][]string{"users": {refManager}, "groups": {refOwners, "members"}}

// unselectableProperties are the user properties held outside the
// directory (in SharePoint Online): a delta query cannot track them and
// Graph refuses them in $select (501, or 400 "$select is not supported").
var unselectableProperties = map[string][]string{
	"users": {"aboutMe", "birthday", "hireDate", "interests", "mySite", "pastProjects", "preferredName",
		"responsibilities", "schools", "skills"},
}

// refusedProperty says why name cannot be in the $select of resource
// ("users" or "groups"), or "" when it can.
func refusedProperty(resource, name string) string {
	fold := func(list []string) bool {
		return slices.ContainsFunc(list, func(s string) bool { return strings.EqualFold(s, name) })
	}
	switch {
	case fold(exportedReferences[resource]):
		return ""
	case strings.EqualFold(name, refManager) || strings.EqualFold(name, refOwners):
		return "is a navigation property of the other object class; only manager (users) and owners (groups) are exported, as references"
	case fold(navigationProperties[resource]):
		return "is a navigation property; of those only manager (users) and owners (groups) are exported, as references"
	case fold(unselectableProperties[resource]):
		return "is kept outside the directory and cannot be tracked by a delta query (Graph answers 501)"
	}
	return ""
}

// checkAttributes checks a comma list of property names for the $select
// of resource: each must be a property name that delta can track as an
// attribute or an exported reference. The error names every bad one.
func checkAttributes(resource, value string) error {
	var bad []string
	for _, name := range strings.Split(value, ",") {
		name = strings.TrimSpace(name)
		switch {
		case name == "":
		case !isPropertyName(name):
			bad = append(bad, fmt.Sprintf("%q is not a Graph property name", name))
		default:
			if why := refusedProperty(resource, name); why != "" {
				bad = append(bad, name+" "+why)
			}
		}
	}
	if len(bad) > 0 {
		return errors.New(strings.Join(bad, "; "))
	}
	return nil
}
