// Shows each slider's value beside it as it moves (the only script the console has).
document.addEventListener("input", (event) => {
  const out = document.querySelector(`output[data-for="${event.target.id}"]`);
  if (out) out.value = event.target.value;
});
