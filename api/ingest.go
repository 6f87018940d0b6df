package api

import (
	"errors"
	"mime"
	"net/http"

	"github.com/gin-gonic/gin"

	"github.com/strata-metrics/strata/service"
)

// MaxIngestBody is the largest body POST /v1/ingest/{table} takes.
const MaxIngestBody = 64 << 20

// ingest answers POST /v1/ingest/{table}: the body's rows, JSON lines
// (application/x-ndjson, application/jsonl or application/json) or an Arrow
// IPC stream (application/vnd.apache.arrow.stream), are appended to the
// fact, all or none. They change what every key reads, so a scoped key may
// not append (warehouseWide).
func (s *Server) ingest(c *gin.Context) (any, error) {
	format := service.IngestJSONLines
	if ct := c.GetHeader("Content-Type"); ct != "" {
		mt, _, err := mime.ParseMediaType(ct)
		switch {
		case err != nil:
			return nil, newError("bad-format", "Content-Type %q does not parse; send application/x-ndjson or %s", ct, service.MimeArrow)
		case mt == service.MimeArrow:
			format = service.IngestArrow
		case mt == "application/x-ndjson" || mt == "application/jsonl" || mt == "application/json" || mt == "text/plain":
		default:
			return nil, newError("bad-format", "rows come as JSON lines (application/x-ndjson) or an Arrow IPC stream (%s), not %s", service.MimeArrow, mt)
		}
	}
	release, err := s.acquire()
	if err != nil {
		return nil, err
	}
	defer release()
	ctx, cancel := s.queryContext(c)
	defer cancel()
	body := http.MaxBytesReader(c.Writer, c.Request.Body, MaxIngestBody)
	res, err := s.w.Ingest(ctx, c.Param("table"), format, body)
	if err != nil {
		var mbe *http.MaxBytesError
		var be *service.BodyError
		switch {
		case errors.As(err, &mbe):
			return nil, newError("too-large", "the request body is over %d bytes; append the rows in several requests", int64(MaxIngestBody))
		case errors.As(err, &be):
			return nil, newError("bad-request", "could not read the request body (sent too slowly, or cut short)")
		}
		return nil, err
	}
	return res, nil
}
