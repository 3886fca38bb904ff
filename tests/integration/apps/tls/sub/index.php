<?php echo "sub\n";
