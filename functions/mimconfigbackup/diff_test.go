package mimconfigbackup

import "testing"

func TestCompare(t *testing.T) {
	base := Manifest{Files: []ManifestFile{
		{Path: `MAExports\AD.xml`, SHA256: "a1", ContentHash: "ca1"},
		{Path: `MAExports\HR.xml`, SHA256: "h1", ContentHash: "ch1"},
		{Path: `ServerExport\MV.XML`, SHA256: "m1", ContentHash: "cm1"},
		{Path: `MAExtensions\Rules.dll`, SHA256: "r1"},
		{Path: `PortalExport\schema.xml`, SHA256: "s1", ContentHash: "cs1"},
	}}
	with := func(edit func(m *Manifest)) Manifest {
		m := Manifest{Files: append([]ManifestFile(nil), base.Files...)}
		edit(&m)
		return m
	}
	tests := []struct {
		name     string
		previous *Manifest
		current  Manifest
		want     string
	}{
		{"no previous", nil, base, "no earlier backup to compare with"},
		{"export date only", &base, with(func(m *Manifest) { m.Files[0].SHA256 = "a2" }),
			"MAs unchanged; sync configuration unchanged; extensions unchanged; portal config unchanged"},
		{"MA changed, added, removed", &base, with(func(m *Manifest) {
			m.Files[0].ContentHash = "ca2"
			m.Files[1] = ManifestFile{Path: `MAExports\AAD.xml`, SHA256: "x", ContentHash: "x"}
		}), "1 MA changed: AD; 1 MA added: AAD; 1 MA removed: HR; sync configuration unchanged; extensions unchanged; portal config unchanged"},
		{"the rest", &base, with(func(m *Manifest) {
			m.Files[2].ContentHash = "cm2"
			m.Files[3].SHA256 = "r2"
			m.Files[4].ContentHash = "cs2"
		}), "MAs unchanged; sync configuration changed; extensions changed: Rules.dll; portal config changed: schema"},
		{"MA export failed tonight", &base, with(func(m *Manifest) {
			m.Files = m.Files[2:] // no MA files
			m.Steps = []Step{{Name: "MAExports", OK: false, Error: "module missing"}, {Name: "ServerExport", OK: true}}
			m.Failed = []string{"MAExports"}
		}), "MAs not compared (MAExports failed in this backup); sync configuration unchanged; extensions unchanged; portal config unchanged"},
		{"portal export failed last night", &Manifest{Files: base.Files[:4], Failed: []string{"PortalExport"}}, base,
			"MAs unchanged; sync configuration unchanged; extensions unchanged; portal config not compared (PortalExport failed in the previous backup)"},
		{"failed both nights", &Manifest{Files: base.Files[1:], Failed: []string{"MAExports"}},
			with(func(m *Manifest) { m.Files[3].SHA256 = "r2"; m.Failed = []string{"MAExports"} }),
			"MAs not compared (MAExports failed in this backup); sync configuration unchanged; extensions changed: Rules.dll; portal config unchanged"},
	}
	for _, tt := range tests {
		if got := Compare(tt.previous, tt.current).String(); got != tt.want {
			t.Errorf("%s:\n got %s\nwant %s", tt.name, got, tt.want)
		}
	}
}
