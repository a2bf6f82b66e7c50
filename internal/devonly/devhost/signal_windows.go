package devhost

import "os"

// terminate is unused on Windows, where the handler is killed.
var terminate = os.Kill
