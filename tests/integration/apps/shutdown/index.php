<?php
echo "shutdown-app-index pid=", getmypid(), "\n";
