<?php
// Leaves a trace that it ran: writes the file named by ?file=.
file_put_contents($_GET["file"], (string)getmypid());
echo "marked pid=", getmypid(), "\n";
