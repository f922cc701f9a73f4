// Used by run.sh: scripts/sdk-test.sh installs the pinned packages (outside the test's network namespace,
// which has no route to npm) and then runs this, which only reports where they are.
console.log(process.env.NODE_PATH);
