package settings

import "github.com/tenantops/tenantops/internal/certpin"

// Fingerprint returns a setting holding a SHA-256 certificate fingerprint
// (see certpin.ParseSHA256) as 64 lowercase hex digits, or "" when unset.
func (p *Parser) Fingerprint(s Spec) string {
	v := p.Raw(s)
	if v == "" {
		return ""
	}
	fp, err := certpin.ParseSHA256(v)
	if err != nil {
		p.Fail(s, err.Error())
	}
	return fp
}
