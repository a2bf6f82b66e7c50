package sptest

import (
	"bufio"
	"bytes"
	"fmt"
	"io"
	"mime"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"strings"
)

// serveBatch answers POST /_api/$batch: a multipart/mixed body whose parts
// are reads (application/http) or changesets (multipart/mixed of
// application/http writes). Every operation runs on its own — SharePoint
// batches are not transactional — and the response holds one
// application/http part per operation, in order, flattened the way
// SharePoint Online answers changesets.
func (s *Server) serveBatch(w http.ResponseWriter, r *http.Request) {
	ops, err := readBatchOperations(r.Header.Get("Content-Type"), r.Body)
	if err != nil {
		writeError(w, formatOf(r), http.StatusBadRequest, "-1, Microsoft.Data.OData.ODataException", err.Error())
		return
	}
	boundary := "batchresponse_" + newGUID()
	var body bytes.Buffer
	for _, op := range ops {
		rec := s.runOperation(op)
		fmt.Fprintf(&body, "--%s\r\nContent-Type: application/http\r\nContent-Transfer-Encoding: binary\r\n\r\n", boundary)
		writeEmbeddedResponse(&body, rec)
	}
	fmt.Fprintf(&body, "--%s--\r\n", boundary)
	w.Header().Set("Content-Type", "multipart/mixed; boundary="+boundary)
	w.WriteHeader(http.StatusOK)
	_, _ = w.Write(body.Bytes())
}

// readBatchOperations reads every embedded request, in order, descending
// into changesets.
func readBatchOperations(contentType string, body io.Reader) ([]*http.Request, error) {
	mediaType, params, err := mime.ParseMediaType(contentType)
	if err != nil || mediaType != "multipart/mixed" || params["boundary"] == "" {
		return nil, fmt.Errorf("the batch request must be multipart/mixed with a boundary, got %q", contentType)
	}
	var ops []*http.Request
	reader := multipart.NewReader(body, params["boundary"])
	for {
		part, err := reader.NextPart()
		if err == io.EOF {
			return ops, nil
		}
		if err != nil {
			return nil, fmt.Errorf("malformed batch: %w", err)
		}
		partType := part.Header.Get("Content-Type")
		if strings.HasPrefix(strings.ToLower(partType), "multipart/mixed") {
			nested, err := readBatchOperations(partType, part)
			if err != nil {
				return nil, err
			}
			ops = append(ops, nested...)
			continue
		}
		op, err := http.ReadRequest(bufio.NewReader(part))
		if err != nil {
			return nil, fmt.Errorf("malformed batch operation: %w", err)
		}
		data, _ := io.ReadAll(op.Body)
		op.Body = io.NopCloser(bytes.NewReader(data))
		ops = append(ops, op)
	}
}

// runOperation serves one embedded request: it must target this site;
// injected faults apply to it as to a top-level request.
func (s *Server) runOperation(op *http.Request) *httptest.ResponseRecorder {
	rec := httptest.NewRecorder()
	f := formatOf(op)
	apiPath, ok := s.apiPath(op.URL.EscapedPath())
	if !ok || (op.URL.Host != "" && "http://"+op.URL.Host != s.origin) {
		writeError(rec, f, http.StatusBadRequest, "-1, Microsoft.SharePoint.Client.InvalidClientQueryException",
			"The request URL and the URLs inside the body must target the same site.")
		return rec
	}
	if fault := s.takeFault(op.Method, op.URL.Path); fault != nil {
		writeFault(rec, f, fault)
		return rec
	}
	s.route(rec, op, apiPath)
	return rec
}

// writeEmbeddedResponse writes "HTTP/1.1 <status>", headers and body.
func writeEmbeddedResponse(out *bytes.Buffer, rec *httptest.ResponseRecorder) {
	fmt.Fprintf(out, "HTTP/1.1 %d %s\r\n", rec.Code, http.StatusText(rec.Code))
	for name, values := range rec.Header() {
		for _, v := range values {
			fmt.Fprintf(out, "%s: %s\r\n", strings.ToUpper(name), v)
		}
	}
	out.WriteString("\r\n")
	out.Write(rec.Body.Bytes())
	out.WriteString("\r\n")
}
