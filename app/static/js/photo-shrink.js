/* A form's photo (the report's, an update's): one over the limit (a phone camera's 50 or 108
   megapixel mode) is made smaller here before it is sent, drawn upright at the size the server keeps
   (data-max-side) and encoded as JPEG, which leaves the file's location data behind too. Only a photo
   this browser cannot read is refused here: the server would refuse the whole form (413), and going
   back loses what was typed (found from outside on the update form, which had no such help).
   Each file input with data-max-bytes names its note and error paragraphs (data-size-note,
   data-size-error). */
(function () {
  "use strict";

  function shrinkOnChoose(photo) {
    var photoError = document.getElementById(photo.getAttribute("data-size-error"));
    var photoNote = document.getElementById(photo.getAttribute("data-size-note"));
    var form = photo.form;
    var shrinking = null; /* the promise of a photo being made smaller */

    function megabytes(bytes) {
      return (bytes / 1048576).toFixed(1) + "\u00a0MB"; /* never "10" at a line's end, "MB" on the next */
    }
    function photoLimit() {
      return Number(photo.getAttribute("data-max-bytes")) || 0;
    }
    function photoTooBig() {
      var limit = photoLimit();
      var file = photo.files && photo.files[0];
      return limit && file && file.size > limit ? { size: file.size, limit: limit } : null;
    }
    function checkPhoto() {
      var big = photoTooBig();
      photoError.hidden = !big;
      photo.setAttribute("aria-invalid", big ? "true" : "false");
      photoError.textContent = big
        ? "This photo is " + megabytes(big.size) + "; the limit is " + Math.round(big.limit / 1048576) +
          "\u00a0MB, and this browser could not make it smaller. Choose a smaller photo, or send without one."
        : "";
      return !big;
    }
    function decoded(file) {
      return new Promise(function (resolve, reject) {
        var url = URL.createObjectURL(file);
        var image = new Image();
        image.onload = function () {
          URL.revokeObjectURL(url);
          resolve(image);
        };
        image.onerror = function () {
          URL.revokeObjectURL(url);
          reject(new Error("unreadable"));
        };
        image.src = url; /* drawn upright: browsers apply the file's orientation to an image */
      });
    }
    function smaller(file, maxSide, limit) {
      return decoded(file).then(function (image) {
        var scale = Math.min(1, maxSide / Math.max(image.naturalWidth, image.naturalHeight));
        var canvas = document.createElement("canvas");
        canvas.width = Math.max(1, Math.round(image.naturalWidth * scale));
        canvas.height = Math.max(1, Math.round(image.naturalHeight * scale));
        var context = canvas.getContext("2d");
        context.fillStyle = "#fff"; /* JPEG has no transparency */
        context.fillRect(0, 0, canvas.width, canvas.height);
        context.drawImage(image, 0, 0, canvas.width, canvas.height);
        return new Promise(function (resolve, reject) {
          canvas.toBlob(function (blob) {
            if (blob && blob.size <= limit) {
              var name = file.name.replace(/\.[^.]*$/, "") + ".jpg";
              resolve({ file: new File([blob], name, { type: "image/jpeg" }), width: canvas.width, height: canvas.height });
            } else {
              reject(new Error("still too big"));
            }
          }, "image/jpeg", 0.9);
        });
      });
    }
    function photoChosen() {
      var file = photo.files && photo.files[0];
      var limit = photoLimit();
      photoNote.hidden = true;
      photoNote.textContent = "";
      if (!file || !limit || file.size <= limit || !window.DataTransfer) {
        shrinking = null;
        checkPhoto();
        return;
      }
      photoError.hidden = true;
      photoNote.hidden = false;
      photoNote.textContent = "This photo is " + megabytes(file.size) + ": making it smaller to send…";
      var maxSide = Number(photo.getAttribute("data-max-side")) || 2048;
      var done = smaller(file, maxSide, limit).then(function (found) {
        if (shrinking !== done) {
          return; /* another photo was chosen meanwhile */
        }
        var chosen = new DataTransfer();
        chosen.items.add(found.file);
        photo.files = chosen.files;
        photoNote.textContent = "This photo was " + megabytes(file.size) + ". It will be sent at " + found.width +
          " × " + found.height + " pixels (" + megabytes(found.file.size) + "), the size the site keeps.";
      }, function () {
        if (shrinking === done) {
          photoNote.hidden = true;
        }
      }).then(function () {
        if (shrinking === done) {
          shrinking = null;
          checkPhoto();
        }
      });
      shrinking = done;
    }
    if (photo && photoError && photoNote && form) {
      photo.addEventListener("change", photoChosen);
      form.addEventListener("submit", function (event) {
        if (shrinking) {
          /* Sent once the photo is ready (a tap on the form's button while it was being made smaller). */
          event.preventDefault();
          var pending = shrinking;
          pending.then(function () {
            if (checkPhoto()) {
              form.requestSubmit ? form.requestSubmit() : form.submit();
            } else {
              photo.focus();
            }
          });
          return;
        }
        if (!checkPhoto()) {
          event.preventDefault();
          photo.focus();
        }
      });
    }
  }

  Array.prototype.forEach.call(document.querySelectorAll("input[type=file][data-max-bytes]"), shrinkOnChoose);
})();
