package remoteps_test

import (
	"testing"

	"github.com/tenantops/tenantops/internal/remoteps"
)

func TestReadableStderr(t *testing.T) {
	tests := []struct{ name, in, want string }{
		{"plain text passes", "Access is denied.\r\n", "Access is denied.\r\n"},
		{"clixml errors", "#< CLIXML\r\n<Objs Version=\"1.1.0.1\" xmlns=\"http://schemas.microsoft.com/powershell/2004/04\">" +
			"<S S=\"Error\">Get-Item : Cannot find path 'C:\\x' because it does not exist._x000D__x000A_</S>" +
			"<S S=\"Error\">    + CategoryInfo : ObjectNotFound_x000D__x000A_</S></Objs>",
			"Get-Item : Cannot find path 'C:\\x' because it does not exist.\r\n    + CategoryInfo : ObjectNotFound\r\n"},
		{"progress only", "#< CLIXML\r\n<Objs Version=\"1.1.0.1\" xmlns=\"http://schemas.microsoft.com/powershell/2004/04\">" +
			"<Obj S=\"progress\" RefId=\"0\"><TN RefId=\"0\"><T>System.Management.Automation.PSCustomObject</T></TN></Obj></Objs>", ""},
		{"escaped underscore", "#< CLIXML\r\n<Objs xmlns=\"http://schemas.microsoft.com/powershell/2004/04\"><S S=\"Error\">a_x005F_x0041_b_x000A_</S></Objs>", "a_x0041_b\n"},
		{"surrogate pair", "#< CLIXML\r\n<Objs xmlns=\"http://schemas.microsoft.com/powershell/2004/04\"><S S=\"Error\">bad _xD83D__xDCA1_ idea</S></Objs>", "bad \U0001F4A1 idea"},
		{"several documents", "#< CLIXML\r\n<Objs xmlns=\"http://schemas.microsoft.com/powershell/2004/04\"><S S=\"Error\">one_x000A_</S></Objs>" +
			"#< CLIXML\r\n<Objs xmlns=\"http://schemas.microsoft.com/powershell/2004/04\"><S S=\"Error\">two_x000A_</S></Objs>", "one\ntwo\n"},
		{"text before clixml", "warning\r\n#< CLIXML\r\n<Objs xmlns=\"http://schemas.microsoft.com/powershell/2004/04\"><S S=\"Error\">boom_x000A_</S></Objs>", "warning\r\nboom\n"},
	}
	for _, tt := range tests {
		if got := remoteps.ReadableStderr(tt.in); got != tt.want {
			t.Errorf("%s: got %q, want %q", tt.name, got, tt.want)
		}
	}
}
