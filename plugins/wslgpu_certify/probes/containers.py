"""What is read from the guide's containers (roles "docker" and "container:<role>"): a command and its parser.

The command strings are snapshot keys (role "docker" for start records and logs, role
"container:<role>" for commands inside a container, "wsl"/"windows" for HTTP from outside),
so they must not contain anything that changes from run to run except what the run
itself recorded (a port from the start record, a token from the log, which the snapshot
stores redacted and so replays as the same `<REDACTED>` string). Each such value is parsed by
its grammar and quoted (Probe.args, probes/arguments.py): a token that is not one Jupyter
generates fails the check and never reaches a shell; `<REDACTED>` passes in replay only.

Scripts are passed on stdin (`python3 - <<'EOF'`, `Rscript - <<'EOF'`) so they can hold
any quoting; the guide's code is kept as the guide prints it.
"""

from __future__ import annotations

from functools import partial

from ..parsers import apps, containers, shell
from .arguments import COUNT, JUPYTER_API_URL, PORT, ROLE, USER
from .probe import Probe


def python_script(code: str) -> str:
    return f"python3 - <<'EOF'\n{code.strip()}\nEOF"


def r_script(code: str) -> str:
    return f"Rscript - <<'EOF'\n{code.strip()}\nEOF"


# ---- the start record and readiness (role "docker", see containers/executors.py, DockerRecords) ------------

START = Probe("start {role}", containers.parse_start_record, ok_exit=None, args={"role": ROLE})
LOGS = "logs {role}"  # read with probes.probe.run: the exit status says whether Jupyter became ready


# ---- TensorFlow-Jupyter container (setup-guide §4.1) -------------------------------------------

TF_GPUS = Probe("python3 -c \"import tensorflow as tf; print(tf.config.list_physical_devices('GPU'))\"",
                apps.parse_physical_devices, text="stdout", label="TensorFlow lists its GPUs")


# A matmul makes TensorFlow create the GPU device and load cuBLAS, the two lines the guide shows.
TF_DEVICE_LOG = Probe(
    "TF_CPP_MIN_LOG_LEVEL=0 python3 -c \"import tensorflow as tf; x = tf.random.normal([256, 256]); "
    "print(float(tf.reduce_sum(tf.matmul(x, x))))\"",
    apps.parse_tensorflow_log, text="both", label='TensorFlow creates its device (matmul, device log)')

# Jupyter's REST status: 200 with the token, 403 without (the same on notebook 5/6 and jupyter_server).
JUPYTER_API = "http://{host}:{port}/api/status"
# The URL holds the token read from the container's log: parsed by its grammar, then shlex-quoted (one argument).
HTTP_STATUS = Probe("curl -s -o /dev/null -w '%{http_code}' --max-time 10 {url}", shell.parse_http_status,
                    ok_exit=None, args={"url": JUPYTER_API_URL}, quoting="sh-single-quoted")
# Windows PowerShell 5.1's Invoke-WebRequest throws on no answer and on every non-2xx status;
# the catch prints what curl's -w '%{http_code}' would (the status, 000 when nothing answered)
# and the exception's message on a second line, and the probe exits 0.
# The same string runs under /bin/sh -c (WSL interop) and cmd.exe /c (Windows), inside
# double quotes for both: no $, backtick, backslash, " or % in it, so the caught error ($_)
# is read with Get-Variable and $ProgressPreference set with Set-Variable. The URL goes in as a
# PowerShell '...' string (quoting.powershell_in_double_quotes refuses what sh or cmd would expand).
WINDOWS_HTTP_STATUS = Probe(
    "powershell.exe -NoProfile -Command \"Set-Variable ProgressPreference SilentlyContinue; "
    "try { (Invoke-WebRequest -UseBasicParsing -TimeoutSec 10 -Uri {url}).StatusCode } "
    "catch { if ((Get-Variable _ -ValueOnly).Exception.Response) "
    "{ [int]((Get-Variable _ -ValueOnly).Exception.Response.StatusCode) } else { '000' }; "
    "(Get-Variable _ -ValueOnly).Exception.Message }; exit 0\"",
    shell.parse_http_status, text="both", args={"url": JUPYTER_API_URL}, quoting="powershell-in-double-quotes")


# ---- RStudio container (setup-guide §4.2) ------------------------------------------------------

RSERVER = Probe("test -x /usr/lib/rstudio-server/bin/rserver && echo present || echo missing", shell.parse_presence)

# Polls with a deadline: rstudio-server starts under s6 beside Jupyter, possibly a moment later.
RSTUDIO_HTTP = Probe(python_script("""
import time, urllib.error, urllib.request
deadline = time.monotonic() + 60
while True:
    try:
        print(urllib.request.urlopen("http://127.0.0.1:{port}/", timeout=5).status)
        break
    except urllib.error.HTTPError as exc:
        print(exc.code)
        break
    except OSError as exc:
        if time.monotonic() > deadline:
            print("000")
            print(exc)
            break
        time.sleep(1)
"""), shell.parse_http_status, label="RStudio Server's sign-in page", args={"port": PORT}, quoting="python")

# The image's init gives the user the PASSWORD from the environment; verify it as login(1)
# would, against /etc/shadow, without the password ever appearing in a command.
RSTUDIO_PASSWORD = Probe(python_script("""
import crypt, os, spwd
password = os.environ.get("PASSWORD")
if not password:
    print("password: unset")
elif password == "rstudio":
    print("password: default")
else:
    try:
        hashed = spwd.getspnam({user}).sp_pwdp
        print("password: " + ("accepted" if crypt.crypt(password, hashed) == hashed else "rejected"))
    except KeyError:
        print("password: no such user")
"""), containers.parse_password_verdict, args={"user": USER}, quoting="python")

RPROFILE_SITE = Probe("cat /etc/R/Rprofile.site", partial(apps.parse_r_environ_setting, name="RETICULATE_PYTHON"))

R_TENSORFLOW = Probe(r_script("""
tf <- reticulate::import("tensorflow")
cat("python:", reticulate::py_config()$python, "\\n")
cat("tensorflow:", tf$`__version__`, "\\n")
"""), containers.parse_labelled, label='R imports TensorFlow through reticulate')

R_KERAS = Probe(r_script("""
if (requireNamespace("keras", quietly = TRUE)) {
  cat("keras:", format(packageVersion("keras")), "\\n")
  cat("available:", keras::is_keras_available(), "\\n")
} else {
  cat("keras: missing\\n")
}
"""), containers.parse_labelled)

R_TF_GPUS = Probe(r_script("""
tf <- reticulate::import("tensorflow", convert = FALSE)
cat(reticulate::py_str(tf$config$list_physical_devices("GPU")), "\\n")
"""), apps.parse_physical_devices, label='TensorFlow from R lists its GPUs')

# The guide's model (keras.rstudio.com mnist_cnn) on random MNIST-shaped data: no download,
# seconds on a GPU. The full guide script is GUIDE_MNIST below.
_MODEL = """
model <- keras_model_sequential() %>%
  layer_conv_2d(filters = 32, kernel_size = c(3,3), activation = 'relu',
                input_shape = input_shape) %>%
  layer_conv_2d(filters = 64, kernel_size = c(3,3), activation = 'relu') %>%
  layer_max_pooling_2d(pool_size = c(2, 2)) %>%
  layer_dropout(rate = 0.25) %>%
  layer_flatten() %>%
  layer_dense(units = 128, activation = 'relu') %>%
  layer_dropout(rate = 0.5) %>%
  layer_dense(units = num_classes, activation = 'softmax')

model %>% compile(
  loss = loss_categorical_crossentropy,
  optimizer = optimizer_adadelta(),
  metrics = c('accuracy')
)
"""

SHORT_TRAINING = Probe("TF_CPP_MIN_LOG_LEVEL=0 " + r_script("""
library(keras)
num_classes <- 10
input_shape <- c(28, 28, 1)
n <- 1024
x_train <- array(runif(n * 28 * 28), dim = c(n, 28, 28, 1))
y_train <- to_categorical(sample(0:9, n, replace = TRUE), num_classes)
""" + _MODEL + """
model %>% fit(x_train, y_train, batch_size = 128, epochs = {epochs}, verbose = 2)
scores <- model %>% evaluate(x_train, y_train, verbose = 0)
cat('Test loss:', scores[[1]], '\\n')
cat('Test accuracy:', scores[[2]], '\\n')
"""), containers.parse_training, text="both", label='a short Keras training from R',
   args={"epochs": COUNT}, quoting="python")

# setup-guide §4.2 verbatim, except verbose = 2 (one line per epoch instead of progress bars).
GUIDE_MNIST = Probe("TF_CPP_MIN_LOG_LEVEL=0 " + r_script("""
library(keras)
batch_size <- 128
num_classes <- 10
epochs <- 12
img_rows <- 28
img_cols <- 28
mnist <- dataset_mnist()
x_train <- mnist$train$x
y_train <- mnist$train$y
x_test <- mnist$test$x
y_test <- mnist$test$y
x_train <- array_reshape(x_train, c(nrow(x_train), img_rows, img_cols, 1))
x_test <- array_reshape(x_test, c(nrow(x_test), img_rows, img_cols, 1))
input_shape <- c(img_rows, img_cols, 1)
x_train <- x_train / 255
x_test <- x_test / 255
cat('x_train_shape:', dim(x_train), '\\n')
cat(nrow(x_train), 'train samples\\n')
cat(nrow(x_test), 'test samples\\n')
y_train <- to_categorical(y_train, num_classes)
y_test <- to_categorical(y_test, num_classes)
""" + _MODEL + """
model %>% fit(
  x_train, y_train,
  batch_size = batch_size,
  epochs = epochs,
  validation_split = 0.2,
  verbose = 2
)
scores <- model %>% evaluate(
  x_test, y_test, verbose = 0
)
cat('Test loss:', scores[[1]], '\\n')
cat('Test accuracy:', scores[[2]], '\\n')
"""), containers.parse_training, text="both", label="the guide's 12-epoch Keras MNIST from R")


# ---- rpy2 in the RStudio container (setup-guide §4.3) --------------------------------------------

# rpy2.situation prints its headings in bold even into a pipe; the parsers' clean() drops the codes.
RPY2_SITUATION = Probe("python3 -m rpy2.situation", apps.parse_rpy2_situation, ok_exit=None, text="both", label='python3 -m rpy2.situation')

# situation can say "Loading R library from rpy2: OK" without ever starting R: start it.
RPY2_STARTS_R = Probe(python_script("""
import rpy2.robjects as ro
print("r home:", ro.r("R.home()")[0])
print("r version:", ro.r("R.version.string")[0])
"""), containers.parse_embedded_r, ok_exit=None, text="both", label="rpy2 starts the embedded R")

# The guide's notebook cell, as printed (its last line displays the plot).
GUIDE_RPY2_CELL = """
import math, datetime
import rpy2.robjects.lib.ggplot2 as ggplot2
import rpy2.robjects as ro
from rpy2.robjects.packages import importr, data
from rpy2.ipython.ggplot import image_png
base = importr('base')
datasets = importr('datasets')
mtcars = data(datasets).fetch('mtcars')['mtcars']
pp = (ggplot2.ggplot(mtcars) +
      ggplot2.aes_string(x='wt', y='mpg', col='factor(cyl)') +
      ggplot2.geom_point() +
      ggplot2.geom_smooth(ggplot2.aes_string(group = 'cyl'),
                          method = 'lm'))

image_png(pp)
""".strip()

GGPLOT_PNG = Probe(python_script(GUIDE_RPY2_CELL.replace(
    "image_png(pp)",
    "import base64\nprint('png-base64: ' + base64.b64encode(image_png(pp).data).decode())")), containers.parse_base64_png, label="rpy2 renders the guide's ggplot2 plot")

NOTEBOOK = Probe(python_script(f"""
import json
import nbformat
from nbclient import NotebookClient
notebook = nbformat.v4.new_notebook()
notebook.cells.append(nbformat.v4.new_code_cell({GUIDE_RPY2_CELL!r}))
error = None
try:
    NotebookClient(notebook, timeout=240, kernel_name="python3").execute()
except Exception as exc:
    lines = str(exc).strip().splitlines()
    error = type(exc).__name__ + (": " + lines[-1] if lines else "")
outputs = [{{"type": o.get("output_type"), "mime": sorted(o.get("data", {{}}))}}
           for o in notebook.cells[0].get("outputs", [])]
print("nbclient: " + json.dumps({{"error": error, "outputs": outputs}}))
"""), containers.parse_notebook_run, label="the guide's rpy2 cell in a headless notebook (nbclient)")
