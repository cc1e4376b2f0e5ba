package domain

import (
	"path"
	"strings"
)

// mediaTypes maps a file extension to its media type and whether browsers play it in a <video> or
// <audio> element without a plug-in (the formats every current engine decodes: MP4/H.264, WebM,
// Ogg, MP3, AAC, FLAC, WAV, Opus). Matroska is not among them: only some engines play it.
var mediaTypes = map[string]struct {
	mime     string
	playable bool
}{
	".mp4": {"video/mp4", true}, ".m4v": {"video/mp4", true}, ".webm": {"video/webm", true},
	".ogv": {"video/ogg", true}, ".mkv": {"video/x-matroska", false}, ".avi": {"video/x-msvideo", false},
	".mov": {"video/quicktime", false}, ".wmv": {"video/x-ms-wmv", false}, ".mpg": {"video/mpeg", false},
	".mpeg": {"video/mpeg", false}, ".ts": {"video/mp2t", false}, ".m2ts": {"video/mp2t", false},
	".flv": {"video/x-flv", false}, ".3gp": {"video/3gpp", false},
	".mp3": {"audio/mpeg", true}, ".m4a": {"audio/mp4", true}, ".m4b": {"audio/mp4", true},
	".aac": {"audio/aac", true}, ".flac": {"audio/flac", true}, ".wav": {"audio/wav", true},
	".ogg": {"audio/ogg", true}, ".oga": {"audio/ogg", true}, ".opus": {"audio/ogg", true},
	".wma": {"audio/x-ms-wma", false}, ".alac": {"audio/mp4", false}, ".ape": {"audio/x-ape", false},
	".srt": {"application/x-subrip", false}, ".vtt": {"text/vtt", false}, ".ass": {"text/x-ssa", false},
	".jpg": {"image/jpeg", false}, ".jpeg": {"image/jpeg", false}, ".png": {"image/png", false},
	".gif": {"image/gif", false}, ".webp": {"image/webp", false},
	".txt": {"text/plain", false}, ".nfo": {"text/plain", false}, ".pdf": {"application/pdf", false},
	".epub": {"application/epub+zip", false}, ".zip": {"application/zip", false},
	".rar": {"application/vnd.rar", false}, ".7z": {"application/x-7z-compressed", false},
	".iso": {"application/x-iso9660-image", false}, ".exe": {"application/vnd.microsoft.portable-executable", false},
}

// MediaType is the file's media type by its extension; application/octet-stream when unknown.
func (f File) MediaType() string {
	if m, ok := mediaTypes[strings.ToLower(path.Ext(f.Path))]; ok {
		return m.mime
	}
	return "application/octet-stream"
}

// Playable tells whether a browser plays the file as it is (video or audio it decodes natively).
func (f File) Playable() bool {
	return mediaTypes[strings.ToLower(path.Ext(f.Path))].playable
}

// MainFile is the index of the file a player opens first: the largest playable one, else the
// largest video or audio one; -1 when the torrent holds neither.
func (t Torrent) MainFile() int {
	best, bestPlayable := -1, false
	for i, f := range t.Files {
		mime := f.MediaType()
		if !strings.HasPrefix(mime, "video/") && !strings.HasPrefix(mime, "audio/") {
			continue
		}
		playable := f.Playable()
		switch {
		case best < 0, playable && !bestPlayable:
		case playable == bestPlayable && f.Size > t.Files[best].Size:
		default:
			continue
		}
		best, bestPlayable = i, playable
	}
	return best
}
