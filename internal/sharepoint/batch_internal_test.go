package sharepoint

import (
	"bufio"
	"bytes"
	"io"
	"mime"
	"mime/multipart"
	"net/http"
	"strconv"
	"strings"
	"testing"
)

// TestParseBatchResponseNestedOrFlat reads both shapes: SharePoint Online's
// flat parts and OData's changeset responses nested in the batch response,
// with CRLF or bare LF line ends.
func TestParseBatchResponseNestedOrFlat(t *testing.T) {
	part := func(status string) string {
		return "Content-Type: application/http\r\nContent-Transfer-Encoding: binary\r\n\r\nHTTP/1.1 " + status + "\r\nCONTENT-TYPE: application/json;odata=nometadata\r\n\r\n{}\r\n"
	}
	flat := "--batchresponse_a\r\n" + part("200 OK") + "--batchresponse_a\r\n" + part("404 Not Found") + "--batchresponse_a--\r\n"
	nested := "--batchresponse_b\r\nContent-Type: multipart/mixed; boundary=changesetresponse_c\r\n\r\n" +
		"--changesetresponse_c\r\n" + part("204 No Content") + "--changesetresponse_c\r\n" + part("429 Too Many Requests") +
		"--changesetresponse_c--\r\n\r\n--batchresponse_b--\r\n"
	tests := []struct {
		contentType, body, want string
	}{
		{"multipart/mixed; boundary=batchresponse_a", flat, "200 404"},
		{"multipart/mixed; boundary=batchresponse_b", nested, "204 429"},
		{"multipart/mixed; boundary=batchresponse_a", strings.ReplaceAll(flat, "\r\n", "\n"), "200 404"},
	}
	for _, tt := range tests {
		results, err := parseBatchResponse(tt.contentType, []byte(tt.body))
		if err != nil {
			t.Fatal(err)
		}
		var got []string
		for _, r := range results {
			got = append(got, strconv.Itoa(r.status))
		}
		if strings.Join(got, " ") != tt.want {
			t.Fatalf("statuses %v, want %s", got, tt.want)
		}
	}
	if _, err := parseBatchResponse("application/json", []byte("{}")); err == nil {
		t.Fatal("a JSON answer passed as a batch response")
	}
}

// TestBatchBodyOneChangesetPerOperation reads the request body back: every
// write is an application/http request alone in its own changeset.
func TestBatchBodyOneChangesetPerOperation(t *testing.T) {
	ops := []operation{
		{itemID: 1, method: "POST", url: "https://contoso.sharepoint.com/sites/ops/_api/web/lists/getbytitle('Tasks')/items(1)/recycle"},
		{itemID: 2, method: "DELETE", url: "https://contoso.sharepoint.com/sites/ops/_api/web/lists/getbytitle('Tasks')/items(2)"},
	}
	body := batchBody("batch_x", ops)
	outer := multipart.NewReader(bytes.NewReader(body), "batch_x")
	for i, op := range ops {
		changeset, err := outer.NextPart()
		if err != nil {
			t.Fatalf("changeset %d: %v", i, err)
		}
		_, params, err := mime.ParseMediaType(changeset.Header.Get("Content-Type"))
		if err != nil || params["boundary"] == "" {
			t.Fatalf("changeset %d: Content-Type %q", i, changeset.Header.Get("Content-Type"))
		}
		inner := multipart.NewReader(changeset, params["boundary"])
		part, err := inner.NextPart()
		if err != nil || part.Header.Get("Content-Type") != "application/http" {
			t.Fatalf("operation %d: %v %v", i, err, part.Header)
		}
		req, err := http.ReadRequest(bufio.NewReader(part))
		if err != nil || req.Method != op.method || req.URL.String() != op.url {
			t.Fatalf("operation %d: %v %+v", i, err, req)
		}
		if op.method == "DELETE" && req.Header.Get("If-Match") != "*" {
			t.Fatalf("DELETE without If-Match: *")
		}
		if _, err := inner.NextPart(); err != io.EOF {
			t.Fatalf("changeset %d holds more than one operation: %v", i, err)
		}
	}
	if _, err := outer.NextPart(); err != io.EOF {
		t.Fatalf("more parts than operations: %v", err)
	}
}
