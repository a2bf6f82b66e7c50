package sharepoint

import (
	"bufio"
	"bytes"
	"fmt"
	"io"
	"mime"
	"mime/multipart"
	"net/http"
	"net/textproto"
	"strings"
)

// parseBatchResponse reads every embedded HTTP response, descending into
// changeset responses when the server nests them.
func parseBatchResponse(contentType string, body []byte) ([]opResult, error) {
	mediaType, params, err := mime.ParseMediaType(contentType)
	if err != nil || !strings.HasPrefix(mediaType, "multipart/") || params["boundary"] == "" {
		return nil, fmt.Errorf("sharepoint: $batch response is %q, not multipart", contentType)
	}
	var results []opResult
	reader := multipart.NewReader(bytes.NewReader(body), params["boundary"])
	for {
		part, err := reader.NextPart()
		if err == io.EOF {
			return results, nil
		}
		if err != nil {
			return nil, fmt.Errorf("sharepoint: $batch response: %w", err)
		}
		nested, err := readPart(part.Header, part)
		if err != nil {
			return nil, err
		}
		results = append(results, nested...)
	}
}

func readPart(header textproto.MIMEHeader, part io.Reader) ([]opResult, error) {
	data, err := io.ReadAll(part)
	if err != nil {
		return nil, fmt.Errorf("sharepoint: $batch response part: %w", err)
	}
	if strings.HasPrefix(strings.ToLower(header.Get("Content-Type")), "multipart/") {
		return parseBatchResponse(header.Get("Content-Type"), data)
	}
	resp, err := http.ReadResponse(bufio.NewReader(bytes.NewReader(data)), nil)
	if err != nil {
		return nil, fmt.Errorf("sharepoint: $batch response part: %w", err)
	}
	defer resp.Body.Close()
	respBody, _ := io.ReadAll(resp.Body)
	return []opResult{{status: resp.StatusCode, header: resp.Header, body: respBody}}, nil
}
